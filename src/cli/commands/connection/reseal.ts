import { RuntimeError, UsageError } from '../../../errors.js';
import { PREVIOUS_KEYS_ENV, SECRET_KEY_ENV } from '../../../store/credentials/sealed-keys.js';
import type { ResealReport } from '../../../store/credentials/sealed-store.js';
import type { StoreBackend } from '../../../store/backend.js';
import { defineVerb } from '../../verb.js';

/**
 * The last step of a secret-key rotation on a shared store: every connection secret sealed with a
 * previous key is sealed again with the current one, so the previous key can be dropped. Store-wide
 * (the key is the store's, not a workspace's); safe while daemons run and harmless to repeat.
 */
export const verb = defineVerb({
  async run(_options, ctx) {
    const store = await ctx.store();
    const table = store.sealedSecrets;
    if (!table) {
      throw new UsageError(
        'nothing to re-seal: the embedded store keeps provider secrets in the OS keychain; re-sealing is for a shared store (--database-url)',
      );
    }
    const keys = await ctx.secretKeys();
    if (!keys) {
      throw new UsageError(
        `re-sealing needs the new key as ${SECRET_KEY_ENV} or --secret-key-file, and the old one as ${PREVIOUS_KEYS_ENV} or the key file's second line`,
      );
    }
    const { resealAll } = await import('../../../store/credentials/sealed-store.js');
    const report = await resealAll(table, keys);
    const failed = await Promise.all(
      report.failed.map(async (f) => ({ ...f, connection: await connectionLabel(store, f.connectionId) })),
    );
    if (ctx.out.json) ctx.out.writeJson({ keyId: keys.current.id, ...report, failed });
    else ctx.out.message(summary(report, keys.current.id));
    if (failed.length > 0) {
      const first = failed[0]!;
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
      throw new RuntimeError(
        `could not re-seal the secret of ${first.connection}${more}: ${first.reason}`,
        `give the key that sealed it in ${PREVIOUS_KEYS_ENV}, or set the secret again with vmx connection update`,
      );
    }
  },
});

function summary(report: ResealReport, keyId: string): string {
  const count = (n: number) => `${n} connection secret${n === 1 ? '' : 's'}`;
  return `Re-sealed ${count(report.resealed.length)} with key ${keyId}; ${report.unchanged.length} already were`;
}

/** A connection's name, or its id when the connection is gone (its secret outlived it). */
async function connectionLabel(store: StoreBackend, connectionId: string): Promise<string> {
  const connection = await store.connections.get(connectionId);
  return connection ? `connection '${connection.name}'` : `connection ${connectionId}`;
}
