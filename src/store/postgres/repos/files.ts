import type { Async } from '../../backend.js';
import { FILE_COLUMNS, newFileId, toFileRecord, type FileRepo, type FileRow } from '../../repos/files.js';
import type { Queryable } from '../queryable.js';

/** Files on PostgreSQL (content as bytea); behaves as the SQLite FileRepo. */
export function createPgFileRepo(q: Queryable): Async<FileRepo> {
  return {
    async create(input) {
      const { rows } = await q.query<FileRow>(
        `INSERT INTO files (id, environment_id, purpose, filename, bytes, content, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${FILE_COLUMNS}`,
        [
          newFileId(),
          input.environmentId,
          input.purpose,
          input.filename,
          input.content.length,
          input.content,
          new Date().toISOString(),
          input.createdBy,
        ],
      );
      return toFileRecord(rows[0]!);
    },

    async get(environmentId, id) {
      const { rows } = await q.query<FileRow>(
        `SELECT ${FILE_COLUMNS} FROM files WHERE environment_id = $1 AND id = $2`,
        [environmentId, id],
      );
      return rows[0] && toFileRecord(rows[0]);
    },

    /** The file's bytes as stored. */
    async content(environmentId, id) {
      const { rows } = await q.query<{ content: Buffer }>(
        'SELECT content FROM files WHERE environment_id = $1 AND id = $2',
        [environmentId, id],
      );
      return rows[0]?.content;
    },

    /** The environment's files (of one purpose, when given), newest first. */
    async list(environmentId, purpose) {
      const { rows } = await q.query<FileRow>(
        `SELECT ${FILE_COLUMNS} FROM files WHERE environment_id = $1 AND ($2::text IS NULL OR purpose = $2)
         ORDER BY created_at DESC, id DESC`,
        [environmentId, purpose ?? null],
      );
      return rows.map(toFileRecord);
    },

    /** False when the environment has no such file. */
    async delete(environmentId, id) {
      const { rowCount } = await q.query('DELETE FROM files WHERE environment_id = $1 AND id = $2', [
        environmentId,
        id,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
