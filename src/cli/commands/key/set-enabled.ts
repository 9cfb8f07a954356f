import { findApiKey } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { keyView } from './view.js';

const setEnabled =
  (enabled: boolean): VerbRun =>
  async (ctx, [ref]) => {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const key = findApiKey(scope, store, await required(ctx, ref, '<key>', 'Key'));
    const updated = store.apiKeys.setEnabled(key, enabled, ctx.user);
    ctx.out.object(keyView(updated, store.resources.list(scope.environment.id)));
  };

export const enable = setEnabled(true);
export const disable = setEnabled(false);
