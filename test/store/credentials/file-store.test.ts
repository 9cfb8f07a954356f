import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/errors.js';
import { FileStore } from '../../../src/store/credentials/file-store.js';
import { tempHome } from '../../helpers/temp-home.js';
import { catchError } from './fakes.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('FileStore', () => {
  it('round-trips secrets in <home>/secrets.json, a JSON map account → secret', () => {
    const home = tempHome();
    const store = new FileStore(home);
    expect(store.kind).toBe('file');
    expect(store.description).toBe(`file ${join(home, 'secrets.json')} (mode 0600, dir 0700)`);
    expect(store.get('c1')).toBeUndefined();
    store.set('c1', 'sk-1');
    store.set('c2', 'sk-2');
    store.set('c1', 'sk-1b');
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual({ c1: 'sk-1b', c2: 'sk-2' });
    expect(store.delete('c1')).toBe(true);
    expect(store.delete('c1')).toBe(false);
    expect(store.get('c2')).toBe('sk-2');
  });

  it('creates the file 0600 in a 0700 dir, whatever the umask', () => {
    const home = join(tempHome(), 'nested', 'vmx');
    const previous = process.umask(0);
    try {
      new FileStore(home).set('c1', 'sk-1');
    } finally {
      process.umask(previous);
    }
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'secrets.json'))).toBe(0o600);
  });

  it('tightens an existing data dir that others could read', () => {
    const home = join(tempHome(), 'loose');
    mkdirSync(home);
    chmodSync(home, 0o755);
    new FileStore(home).set('c1', 'sk-1');
    expect(mode(home)).toBe(0o700);
  });

  it('replaces the file atomically: a new inode each write, no temp or lock file left', () => {
    const home = tempHome();
    const store = new FileStore(home);
    store.set('c1', 'sk-1');
    const before = statSync(store.path).ino;
    store.set('c2', 'sk-2');
    expect(statSync(store.path).ino).not.toBe(before); // renamed over, not rewritten in place
    expect(mode(store.path)).toBe(0o600);
    expect(readdirSync(home)).toEqual(['secrets.json']);
  });

  it('ignores a temp file left by a crashed writer', () => {
    const home = tempHome();
    const store = new FileStore(home);
    store.set('c1', 'sk-1');
    writeFileSync(join(home, 'secrets.json.999.dead.tmp'), '{"c1": "half-writ');
    expect(store.get('c1')).toBe('sk-1');
  });

  it('re-reads on every get: a running daemon sees what the CLI wrote', () => {
    const home = tempHome();
    const daemon = new FileStore(home);
    const cli = new FileStore(home);
    expect(daemon.get('c1')).toBeUndefined();
    cli.set('c1', 'sk-1');
    expect(daemon.get('c1')).toBe('sk-1');
    cli.set('c1', 'sk-rotated');
    expect(daemon.get('c1')).toBe('sk-rotated');
    cli.delete('c1');
    expect(daemon.get('c1')).toBeUndefined();
  });

  it('deleting an absent account creates nothing', () => {
    const home = join(tempHome(), 'never');
    expect(new FileStore(home).delete('c1')).toBe(false);
    expect(() => statSync(home)).toThrow();
  });

  it('reports a damaged file without quoting any of it', () => {
    const home = tempHome();
    writeFileSync(join(home, 'secrets.json'), '{"c1": "sk-leak-me", oops', { mode: 0o600 });
    const error = catchError(() => new FileStore(home).get('c1'));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toMatch(/secrets\.json is not a JSON map of account to secret/);
    expect(error.message).not.toContain('sk-leak-me');
    writeFileSync(join(home, 'secrets.json'), '{"c1": 42}');
    expect(() => new FileStore(home).get('c1')).toThrow(RuntimeError);
  });

  it('breaks a lock left behind by a crashed writer', () => {
    const home = tempHome();
    const lock = join(home, 'secrets.json.lock');
    writeFileSync(lock, '12345');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    new FileStore(home).set('c1', 'sk-1');
    expect(readdirSync(home)).toEqual(['secrets.json']);
  });

  it('concurrent writers in separate processes do not lose each other’s entries', async () => {
    const home = tempHome();
    const writer = fileURLToPath(new URL('./file-writer.ts', import.meta.url));
    const run = promisify(execFile);
    const writers = ['a', 'b', 'c', 'd'];
    await Promise.all(
      writers.map((prefix) =>
        run(process.execPath, ['--import', 'tsx', writer, home, prefix, '40'], { timeout: 25_000 }),
      ),
    );
    const map = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(map)).toHaveLength(writers.length * 40);
    for (const prefix of writers) expect(map[`${prefix}-39`]).toBe(`secret-${prefix}-39`);
    expect(readdirSync(home)).toEqual(['secrets.json']);
  });
});
