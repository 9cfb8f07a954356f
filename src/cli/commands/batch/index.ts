import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

/** What a batch is and who runs it, under create's --help. */
const BATCHES =
  "Each line is one request: an OpenAI Batch API line ({custom_id, method, url, body}) or a vmx line ({resource, request, route?}); a line that cannot run (bad JSON, no such resource) becomes a failed item and the rest still run. The daemon (`vmx serve`) works batches off at the pace the limits allow: the connection's, the resource's and the batch's own --limit. With --wait: exit 0 when every item completed, 1 when any failed or was cancelled; Ctrl-C stops waiting (exit 130), not the batch.";

/** `vmx batch create | list | show | cancel`: batches in the store, worked off by the daemons' batch runners. */
export const batchCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'batch', summary: 'Batches of requests the daemon runs at the pace the limits allow' },
    [
      {
        name: 'create',
        summary: 'Create a batch from a JSONL file of requests',
        details: BATCHES,
        examples: [
          'vmx batch create --file items.jsonl',
          'vmx batch create --file questions.jsonl --resource chat --limit 60r/m --wait',
          'jq -c . requests.json | vmx batch create --file - --json',
        ],
        takesFlags: true,
        load: () => import('./create.js'),
      },
      {
        name: 'list',
        summary: "List an environment's batches, newest first",
        examples: ['vmx batch list', 'vmx batch list --limit 5 --json'],
        takesFlags: true,
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[batch]',
        summary: 'Show one batch: status, item counts, tokens and the next window it waits for',
        examples: ['vmx batch show batch_8f…', 'vmx batch show batch_8f… --items', 'vmx batch show batch_8f… --json'],
        takesFlags: true,
        load: () => import('./show.js'),
      },
      {
        name: 'cancel',
        args: '[batch]',
        summary: 'Cancel a batch: items not yet run are cancelled, running ones finish',
        examples: ['vmx batch cancel batch_8f…', 'vmx batch cancel batch_8f… --yes --json'],
        load: () => import('./cancel.js'),
      },
    ],
    deps,
  );
