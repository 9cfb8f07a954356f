/** Columns every configurable entity carries: who made or last changed it, and when. */
export interface Stamps {
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface StampColumns {
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
}

export const stamps = (row: StampColumns): Stamps => ({
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  createdBy: row.created_by,
  updatedBy: row.updated_by,
});

/** JSON columns: written with JSON.stringify, read back whole. */
export const fromJson = <T>(text: string | null): T => (text === null ? (null as T) : (JSON.parse(text) as T));
export const toJson = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
/**
 * A JSON column as a backend hands it over: text to parse (SQLite; PostgreSQL's text columns), or the
 * value PostgreSQL's driver already parsed from a jsonb column.
 */
export const fromJsonColumn = <T>(value: string | T): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value;
