import type { AuditRecord } from '../../../store/repos/audit.js';

/** An audit record as printed under --json: an `id` like every entity, and the time readable. */
export const auditJson = (record: AuditRecord) => ({
  id: record.requestId,
  ...record,
  time: new Date(record.at).toISOString(),
});
