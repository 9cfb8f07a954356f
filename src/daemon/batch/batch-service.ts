import type { Repositories } from '../../store/backend.js';

/** What the batch routes work with: the store's batches and files, and the runner to wake. */
export interface BatchService {
  store: Pick<Repositories, 'batches' | 'files'>;
  /** A batch was created or cancelled: the runner looks for work now. */
  wake(): void;
  /** The runner's clock (tests move it): a batch is told waiting while its next item is due after now. */
  clock?: () => number;
}
