import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { UsageError, VmxError } from '../../../errors.js';
import { configFileSchema, type ConfigFile } from './format.js';

/** A path into the file, as zod and the checks name it: `['workspaces', 0, 'name']`. */
export type FilePath = ReadonlyArray<string | number>;

/** Turns a problem at a path of the file into a usage error that starts with `file:line:column`. */
export type Locator = (path: FilePath, message: string, at?: 'key' | 'value') => UsageError;

export interface ReadConfigFile {
  file: ConfigFile;
  locate: Locator;
}

/**
 * Reads and validates a config file: YAML syntax, then the shape (format.ts). Any problem is a usage
 * error naming the line and column (of the value at fault, else of the nearest enclosing one).
 */
export function readConfigFile(path: string, text = readText(path)): ReadConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    throw new UsageError(`${path}:${at.line}:${at.col}: ${firstLine(syntax.message)}`);
  }
  const locate = locator(path, doc, lines);
  const result = configFileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path as Array<string | number>;
    const unknown = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path;
    throw locate(unknown, describeIssue(issue), issue.code === 'unrecognized_keys' ? 'key' : 'value');
  }
  return { file: result.data, locate };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function locator(file: string, doc: Document, lines: LineCounter): Locator {
  return (path, message, point = 'value') => {
    // The value at the path, else the nearest enclosing one that is in the file (a missing key).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (!isNode(node) || !node.range) continue;
      const keyNode = point === 'key' && depth > 0 && depth === path.length ? keyOf(doc, path) : undefined;
      const at = lines.linePos((keyNode ?? node).range![0]);
      const where = path.length > 0 ? ` (${formatPath(path)})` : '';
      return new UsageError(`${file}:${at.line}:${at.col}: ${message}${where}`);
    }
    return new UsageError(`${file}:1:1: ${message}`);
  };
}

/** The key node of a map entry, so an unknown or invalid key points at its name. */
function keyOf(doc: Document, path: FilePath): { range?: [number, number, number] | null } | undefined {
  const last = path.at(-1);
  if (typeof last !== 'string') return undefined;
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const items = (parent as { items?: Array<{ key?: unknown }> } | null)?.items ?? [];
  const pair = items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === last);
  return pair && isNode(pair.key) ? (pair.key as { range?: [number, number, number] | null }) : undefined;
}

/** `workspaces[0].environments[1].name` */
export function formatPath(path: FilePath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function describeIssue(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys') return `unknown field '${issue.keys![0]}'`;
  return issue.message.replace(/^Invalid input: /, '');
}

const firstLine = (text: string) => text.split('\n')[0]!.trim();

/** Runs a check of one value and moves its usage error to the value's place in the file. */
export function at<T>(locate: Locator, path: FilePath, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof VmxError) throw locate(path, error.message);
    throw error;
  }
}
