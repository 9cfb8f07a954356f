import type { Database } from 'better-sqlite3';

/** What a file is for: a batch's input (uploaded), or the output and errors a batch produced. */
export const filePurposes = ['batch', 'batch_output', 'batch_errors'] as const;
export type FilePurpose = (typeof filePurposes)[number];

/** A stored file of one environment, without its content (read apart, with `content`). */
export interface FileRecord {
  id: string;
  environmentId: string;
  purpose: FilePurpose;
  filename: string;
  /** The content's size in bytes. */
  bytes: number;
  createdAt: string;
}

export interface NewFile {
  environmentId: string;
  purpose: FilePurpose;
  filename: string;
  content: Buffer;
  createdBy: string;
}

export interface FileRow {
  id: string;
  environment_id: string;
  purpose: FilePurpose;
  filename: string;
  bytes: number;
  created_at: string;
}

/** The columns of a file but its content, as both backends select them. */
export const FILE_COLUMNS = 'id, environment_id, purpose, filename, bytes, created_at';

export const toFileRecord = (row: FileRow): FileRecord => ({
  id: row.id,
  environmentId: row.environment_id,
  purpose: row.purpose,
  filename: row.filename,
  bytes: row.bytes,
  createdAt: row.created_at,
});

/** A new file id, as OpenAI spells them: `file-` and 24 hex digits. */
export const newFileId = (): string =>
  `file-${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;

export type FileRepo = ReturnType<typeof createFileRepo>;

/** Files of an environment: batch inputs as uploaded, batch outputs and errors as written (JSONL). */
export function createFileRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO files (id, environment_id, purpose, filename, bytes, content, created_at, created_by)
     VALUES (@id, @environmentId, @purpose, @filename, @bytes, @content, @now, @createdBy)`,
  );
  const byId = db.prepare<[string, string], FileRow>(
    `SELECT ${FILE_COLUMNS} FROM files WHERE environment_id = ? AND id = ?`,
  );
  const contentOf = db.prepare<[string, string], { content: Buffer }>(
    'SELECT content FROM files WHERE environment_id = ? AND id = ?',
  );
  const all = db.prepare<{ environmentId: string; purpose: FilePurpose | null }, FileRow>(
    `SELECT ${FILE_COLUMNS} FROM files
     WHERE environment_id = @environmentId AND (@purpose IS NULL OR purpose = @purpose)
     ORDER BY created_at DESC, id DESC`,
  );
  const remove = db.prepare<[string, string]>('DELETE FROM files WHERE environment_id = ? AND id = ?');

  return {
    create(input: NewFile): FileRecord {
      const id = newFileId();
      insert.run({ ...input, id, bytes: input.content.length, now: new Date().toISOString() });
      return toFileRecord(byId.get(input.environmentId, id)!);
    },

    get(environmentId: string, id: string): FileRecord | undefined {
      const row = byId.get(environmentId, id);
      return row && toFileRecord(row);
    },

    /** The file's bytes as stored. */
    content(environmentId: string, id: string): Buffer | undefined {
      return contentOf.get(environmentId, id)?.content;
    },

    /** The environment's files (of one purpose, when given), newest first. */
    list(environmentId: string, purpose?: FilePurpose): FileRecord[] {
      return all.all({ environmentId, purpose: purpose ?? null }).map(toFileRecord);
    },

    /** False when the environment has no such file. */
    delete(environmentId: string, id: string): boolean {
      return remove.run(environmentId, id).changes > 0;
    },
  };
}
