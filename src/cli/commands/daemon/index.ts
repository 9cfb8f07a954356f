import type { VerbDefinition } from '../../verb.js';

/** `vmx serve | status | stop | logs`: top-level verbs that start, inspect and stop the daemon process. */
export const daemonVerbs: VerbDefinition[] = [
  {
    name: 'serve',
    summary: 'Run the gateway daemon (foreground, or in the background with --detach)',
    examples: ['vmx serve', 'vmx serve --detach --port 3001', 'vmx serve --host 0.0.0.0 --grace 30s --body-limit 20mb'],
    options: (c) =>
      c
        .option('--port <port>', 'port to listen on', '3000')
        .option('--host <host>', 'address to bind (localhost only unless you ask otherwise)', '127.0.0.1')
        .option('--detach', 'start in the background, wait until it answers, print its URL')
        .option('--grace <duration>', 'how long in-flight requests may finish on stop, e.g. 30s', '10s')
        .option('--body-limit <size>', 'largest request body accepted, e.g. 10mb or 512kb')
        .option('--request-timeout <duration>', 'cut a request whose body has not arrived whole by then (default 60s)'),
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
    options: (c) => c.option('--timeout <duration>', "how long to wait (default: the daemon's grace period + 5s)"),
    load: () => import('./stop.js'),
  },
  {
    name: 'logs',
    summary: "Print the daemon's log (pretty on a terminal, JSON lines otherwise)",
    examples: ['vmx logs', 'vmx logs --lines 200', 'vmx logs --follow'],
    options: (c) =>
      c
        .option('-f, --follow', 'keep printing new lines until interrupted')
        .option('-n, --lines <count>', 'how many of the last lines to print', '50'),
    load: () => import('./logs.js'),
  },
];
