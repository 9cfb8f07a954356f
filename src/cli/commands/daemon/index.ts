import type { VerbDefinition } from '../../verb.js';

/** `vmx serve | status | stop | logs`: top-level verbs that start, inspect and stop the daemon process. */
export const daemonVerbs: VerbDefinition[] = [
  {
    name: 'serve',
    summary: 'Run the gateway daemon (foreground, or in the background with --detach)',
    examples: [
      'vmx serve',
      'vmx serve --detach --port 3001',
      'vmx serve --host 0.0.0.0 --grace 30s --body-limit 20mb',
      'vmx serve --log-level warn',
    ],
    takesFlags: true,
    load: () => import('./serve.js'),
  },
  {
    name: 'status',
    summary: 'Is the daemon running? Its pid, URL, uptime and request counts (exit 3 when it is not)',
    examples: ['vmx status', 'vmx status --json'],
    load: () => import('./status.js'),
  },
  {
    name: 'stop',
    summary: 'Stop the daemon gracefully and wait until it is gone',
    examples: ['vmx stop', 'vmx stop --json'],
    takesFlags: true,
    load: () => import('./stop.js'),
  },
  {
    name: 'logs',
    summary: "Print the daemon's log (pretty on a terminal, JSON lines otherwise)",
    examples: ['vmx logs', 'vmx logs --lines 200', 'vmx logs --follow'],
    takesFlags: true,
    load: () => import('./logs.js'),
  },
];
