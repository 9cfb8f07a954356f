/**
 * The import rules of DESIGN.md ("Layers and where things live"), checked by `npm run lint`.
 * A rule's comment is what `npm test` prints when it is broken.
 */
module.exports = {
  forbidden: [
    {
      name: 'gateway-is-pure',
      comment: 'src/gateway is the pure domain: it imports neither store, providers, daemon nor cli',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/(store|providers|daemon|cli)/' },
    },
    {
      name: 'no-front-end-below',
      comment: 'gateway, providers, store and pricing never import the front ends (cli, daemon)',
      severity: 'error',
      from: { path: '^src/(gateway|providers|store|pricing)/' },
      to: { path: '^src/(cli|daemon)/' },
    },
    {
      name: 'cli-talks-to-the-daemon-over-http',
      comment: 'the CLI never imports the daemon: it talks to a running one over HTTP',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/daemon/' },
    },
    {
      name: 'cli-reads-providers-through-the-registry',
      comment: 'the CLI reaches providers only through providers/registry.ts (and the probe behind `connection test`)',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/providers/', pathNot: '^src/providers/(registry|probe)\\.ts$' },
    },
    {
      name: 'no-cycles',
      comment: 'no import cycles between modules (a value cycle can leave an import undefined at start)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
