import { vmx } from './processes.js';

/**
 * The benchmark's configuration, made with the real CLI in `home` (and on the store `env` names): a
 * plain resource `chat`, and `configured` — three routing rules, a fallback chain and limits at the
 * connection, resource and key levels, none of which trips — with a key for each.
 */
export async function configure(
  home: string,
  upstreamUrl: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ key: string; limitedKey: string }> {
  await vmx(home, env, ['workspace', 'create', 'bench']);
  await vmx(home, env, ['env', 'add', 'dev', '-w', 'bench']);
  await vmx(home, env, [
    'connection',
    'add',
    'up',
    '--provider',
    'openai-compatible',
    '--base-url',
    upstreamUrl,
    '-w',
    'bench',
    '-e',
    'dev',
  ]);
  await vmx(home, env, ['resource', 'add', 'chat', '--model', 'up/fake-model', '-w', 'bench', '-e', 'dev']);
  // The same upstream behind a resource with three routing rules, a fallback chain and limits at the
  // connection, resource and key levels (none of which trips), for the cost of all that machinery.
  await vmx(home, env, [
    'connection',
    'add',
    'limited',
    '--provider',
    'openai-compatible',
    '--base-url',
    upstreamUrl,
    '--limit',
    '100000000r/m',
    '--limit',
    '1000000000t/d',
    '-w',
    'bench',
    '-e',
    'dev',
  ]);
  await vmx(home, env, [
    'resource',
    'add',
    'configured',
    '--model',
    'limited/fake-model',
    '--fallback',
    'up/fake-model',
    '--fallback',
    'limited/backup',
    '--route',
    'request.toolsCount > 0 -> up/tools-model',
    '--route',
    'request.lastMessage.content contains "urgent" -> up/urgent-model',
    '--route',
    'errorRate(5) > 50 -> up/steady-model',
    '--limit',
    '100000000r/m',
    '--enforce-capacity',
    '-w',
    'bench',
    '-e',
    'dev',
  ]);
  const { key } = JSON.parse(
    await vmx(home, env, ['key', 'create', 'bench', '-w', 'bench', '-e', 'dev', '--json']),
  ) as {
    key: string;
  };
  const { key: limitedKey } = JSON.parse(
    await vmx(home, env, [
      'key',
      'create',
      'limited',
      '--limit',
      '100000000r/m',
      '--limit',
      '1000000000t/d',
      '-w',
      'bench',
      '-e',
      'dev',
      '--json',
    ]),
  ) as { key: string };
  return { key, limitedKey };
}
