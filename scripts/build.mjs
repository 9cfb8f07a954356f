// Builds dist/ with esbuild: the CLI, the daemon and the record writer thread, sharing chunks.
// `npm run build` (also run by `npm test`, `npm run bench` and on install from git).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/main.ts', 'src/daemon/main.ts', 'src/daemon/pipeline/record/writer-thread.ts'],
  outdir: 'dist',
  outbase: 'src',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // Chunks shared by the entry points: one bundle without splitting loads more per command, not less.
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  // Dependencies stay in node_modules, except the few below that every CLI command loads: bundled,
  // they load as part of a chunk instead of module by module (each ES module costs a command ~0.6 ms).
  packages: 'external',
  alias: {
    commander: './node_modules/commander/esm.mjs',
    'env-paths': './node_modules/env-paths/index.js',
    'is-safe-filename': './node_modules/is-safe-filename/index.js',
    // The CLI's input checks (src/cli/zod.ts): only the parts of zod/mini it uses.
    'zod/mini': './node_modules/zod/mini/index.js',
    'zod/locales': './node_modules/zod/locales/index.js',
    // commander loads node:child_process as it starts; the stand-in loads it on the first spawn.
    'node:child_process': './src/cli/child-process.ts',
  },
  // Bundled CommonJS (commander) calls require() for Node's built-in modules.
  banner: {
    js: "import { createRequire as bundledRequire } from 'node:module'; const require = bundledRequire(import.meta.url);",
  },
});
