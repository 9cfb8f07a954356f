import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../../../errors.js';
import { MAX_BATCH_ITEMS, parseBatchLines, type BatchInputItem } from '../../../gateway/batch/input.js';
import type { NewBatchItem } from '../../../store/repos/batches.js';
import type { Resource } from '../../../store/repos/resources.js';
import type { CliContext } from '../../context.js';
import { readAll } from '../../io/stdin.js';
import type { EnvironmentScope } from '../../scope.js';

/** The file of `--file`: how messages name it, the name it is stored under, and its text. */
export interface ItemsFile {
  source: string;
  filename: string;
  text: string;
}

/** The file of `--file` (`-` is stdin); one that cannot be read is a usage error naming it. */
export async function readItemsFile(ctx: CliContext, path: string): Promise<ItemsFile> {
  try {
    if (path === '-') return { source: 'stdin', filename: 'stdin.jsonl', text: await readAll(ctx.deps.stdin) };
    return { source: path, filename: basename(path), text: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new UsageError(
      `invalid --file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/**
 * The batch's items, one per non-blank line, in order. A line that cannot run is an item failed from
 * the start — a malformed line, or one naming no resource of the environment (one named by id is taken
 * by its name, as the pipeline resolves resources) — so that the rest still runs. A file without
 * items, or with more than a batch holds, is refused.
 */
export function batchItems(
  file: ItemsFile,
  scope: EnvironmentScope,
  resources: readonly Resource[],
  fallback?: string,
): NewBatchItem[] {
  const parsed = parseBatchLines(file.text, { resource: fallback });
  if (parsed.length === 0)
    throw new UsageError(`invalid --file: ${file.source} has no items`, 'one JSON request per line (JSONL)');
  if (parsed.length > MAX_BATCH_ITEMS) {
    throw new UsageError(
      `invalid --file: ${file.source} has ${parsed.length} items; a batch holds at most ${MAX_BATCH_ITEMS}`,
      'split it into several batches',
    );
  }
  // A resource's name by its name or id (a name wins, should one equal another resource's id).
  const names = new Map<string, string>([
    ...resources.map((r) => [r.id, r.name] as const),
    ...resources.map((r) => [r.name, r.name] as const),
  ]);
  const where = `environment '${scope.workspace.name}/${scope.environment.name}'`;
  return parsed.map((item, idx) => newItem(item, idx, names, where));
}

function newItem(item: BatchInputItem, idx: number, names: Map<string, string>, where: string): NewBatchItem {
  const { line, customId, route } = item;
  // A line that is not a request keeps no body: there is nothing in it to send.
  if (item.error) return { line, customId, route, resource: item.resource, request: null, error: item.error };
  const resource = names.get(item.resource);
  if (resource === undefined) {
    const message = `${line === null ? `item ${idx + 1}` : `line ${line}`}: resource '${item.resource}' not found in ${where}`;
    return {
      line,
      customId,
      route,
      resource: item.resource,
      request: item.request,
      error: { code: 'not_found', message },
    };
  }
  return { line, customId, route, resource, request: { ...item.request, model: resource } };
}
