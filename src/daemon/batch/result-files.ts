import { createHash } from 'node:crypto';
import type { Batch, BatchFiles, BatchItem } from '../../store/repos/batches.js';
import type { BatchService } from './batch-service.js';
import { isFinished } from './batch-view.js';

/** Items read per page while writing a batch's files. */
const PAGE = 1_000;

/**
 * A finished batch's output file (its answered items) and error file (its failed and cancelled items),
 * as OpenAI's Batch API gives them: JSONL files of purpose `batch_output` and `batch_errors`. They are
 * written when a finished batch is first read without them, once per daemon however many read it at
 * once. Two daemons may still both write them: a file's content depends on the finished items alone,
 * so both pairs are the same; the second to finish sees the first's ids recorded, deletes its own and
 * answers those. (Should both record theirs, the last one stays and every id either gave out still
 * reads the same content.)
 */
export class ResultFiles {
  private readonly writing = new Map<string, Promise<Batch>>();

  constructor(private readonly service: BatchService) {}

  /** The batch with its files, written now when it is finished and lacks one it should have. */
  async of(batch: Batch): Promise<Batch> {
    if (!isFinished(batch.status) || !lacksFiles(batch)) return batch;
    let writing = this.writing.get(batch.id);
    if (!writing) {
      writing = this.write(batch).finally(() => this.writing.delete(batch.id));
      this.writing.set(batch.id, writing);
    }
    return writing;
  }

  private async write(batch: Batch): Promise<Batch> {
    const { files, batches } = this.service.store;
    const lines = await resultLines(this.service, batch);
    const create = async (purpose: 'batch_output' | 'batch_errors', content: string[], name: string) =>
      (
        await files.create({
          environmentId: batch.environmentId,
          purpose,
          filename: `${batch.id}_${name}.jsonl`,
          content: Buffer.from(content.map((line) => `${line}\n`).join('')),
          createdBy: batch.createdBy,
        })
      ).id;
    const written: BatchFiles = {
      outputFileId:
        batch.outputFileId ?? (lines.output.length ? await create('batch_output', lines.output, 'output') : null),
      errorFileId:
        batch.errorFileId ?? (lines.errors.length ? await create('batch_errors', lines.errors, 'error') : null),
    };
    const now = await batches.get(batch.environmentId, batch.id);
    if (now && !lacksFiles(now)) {
      // Another daemon recorded its pair first: keep to it.
      for (const id of [written.outputFileId, written.errorFileId])
        if (id && id !== now.outputFileId && id !== now.errorFileId) await files.delete(batch.environmentId, id);
      return now;
    }
    await batches.setFiles(batch.id, written);
    return { ...(now ?? batch), ...written };
  }
}

/** Whether a finished batch should have a file it has not: answered items and no output, failures and no errors. */
function lacksFiles(batch: Batch): boolean {
  const { completed, failed, cancelled } = batch.counts;
  return (completed > 0 && batch.outputFileId === null) || (failed + cancelled > 0 && batch.errorFileId === null);
}

/** Every finished item as a line of the output file or of the error file, in order. */
async function resultLines(service: BatchService, batch: Batch): Promise<{ output: string[]; errors: string[] }> {
  const output: string[] = [];
  const errors: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await service.store.batches.items(batch.id, { offset, limit: PAGE });
    for (const item of page) {
      if (item.status === 'completed') output.push(JSON.stringify(outputLine(item)));
      else if (item.status === 'failed' || item.status === 'cancelled') errors.push(JSON.stringify(errorLine(item)));
    }
    if (page.length < PAGE) return { output, errors };
  }
}

/** An item's id in the files, OpenAI's `batch_req_…`: the same whichever daemon writes them. */
const requestLineId = (item: BatchItem): string =>
  `batch_req_${createHash('sha256').update(`${item.batchId}/${item.idx}`).digest('hex').slice(0, 32)}`;

const responseOf = (item: BatchItem) => ({
  status_code: item.statusCode,
  request_id: item.requestId,
  body: item.response,
});

function outputLine(item: BatchItem) {
  return { id: requestLineId(item), custom_id: item.customId, response: responseOf(item), error: null };
}

/** A failed item: the answer it got when it was sent (null when it never was), and why it failed. */
function errorLine(item: BatchItem) {
  return {
    id: requestLineId(item),
    custom_id: item.customId,
    response: item.statusCode === null ? null : responseOf(item),
    error: item.error ?? { code: 'batch_cancelled', message: 'the batch was cancelled before this request ran' },
  };
}
