import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

async function setup() {
  const home = tempHome();
  const vmx = cli(home);
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('env add prod -w acme');
  await vmx('use acme/dev');
  for (const [name, provider] of [
    ['oa', 'openai'],
    ['groq', 'groq'],
    ['anthropic', 'anthropic'],
  ]) {
    await vmx(`connection add ${name} --provider ${provider} --api-key-env K`, { env: { K: 'sk-x' } });
  }
  await vmx('connection add elsewhere --provider groq --api-key-env K -e prod', { env: { K: 'sk-x' } });
  return { home, vmx };
}

const withoutStamps = ({ updatedAt: _u, ...rest }: Record<string, unknown>) => rest;

describe('vmx resource', () => {
  it('adds a resource from the CLI.md rules and round-trips show --json through --routing-file', async () => {
    const { home, vmx } = await setup();
    const added = await vmx([
      'resource',
      'add',
      'chat',
      '--model',
      'oa/gpt-4o-mini',
      '--fallback',
      'oa/gpt-4.1-mini',
      '--fallback',
      'groq/llama-3.3-70b',
      '--secondary',
      'anthropic/claude-sonnet-4-5',
      '--limit',
      '60r/m',
      '--enforce-capacity',
      '--route',
      'tokens.input < 100 -> groq/llama-3.1-8b-instant',
      '--route',
      'request.toolsCount > 0 -> oa/gpt-4o',
      '--route',
      'request.lastMessage.content contains "urgent" -> anthropic/claude-sonnet-4-5 @ 50%',
      '--route',
      'errorRate(5) > 10 -> groq/llama-3.3-70b',
      '--route',
      'request.allMessagesContent matches /ssn|password/i -> block',
      '--json',
    ]);
    expect(added.code).toBe(0);
    const resource = added.json();
    expect(resource).toMatchObject({
      name: 'chat',
      model: { connection: 'oa', provider: 'openai', model: 'gpt-4o-mini' },
      fallbackModels: [
        { connection: 'oa', model: 'gpt-4.1-mini' },
        { connection: 'groq', model: 'llama-3.3-70b' },
      ],
      useFallback: true,
      secondaryModels: [{ connection: 'anthropic', model: 'claude-sonnet-4-5' }],
      limits: ['60r/m'],
      enforceCapacity: true,
      routes: [
        'tokens.input < 100 -> groq/llama-3.1-8b-instant',
        'request.toolsCount > 0 -> oa/gpt-4o',
        'request.lastMessage.content contains "urgent" -> anthropic/claude-sonnet-4-5 @ 50%',
        'errorRate(5) > 10 -> groq/llama-3.3-70b',
        'request.allMessagesContent matches /ssn|password/i -> block',
      ],
    });
    const groups = resource.routing.conditions;
    expect(groups[0]).toEqual({
      type: 'group',
      operator: 'AND',
      conditions: [
        {
          type: 'condition',
          expression: 'tokens.input',
          comparator: 'LESS_THAN',
          value: { type: 'number', expression: '100' },
        },
      ],
      action: 'CALL_MODEL',
      then: { connection: 'groq', connectionId: expect.any(String), provider: 'groq', model: 'llama-3.1-8b-instant' },
    });
    expect(groups[2].then.traffic).toBe(50);
    expect(groups[4]).toMatchObject({
      action: 'BLOCK',
      conditions: [{ comparator: 'PATTERN', value: { expression: '/ssn|password/i' } }],
    });

    // show --json → --routing-file → show --json is identical (only updatedAt moves)
    const shown = (await vmx('resource show chat --json')).json();
    const file = join(home, 'chat.json');
    writeFileSync(file, JSON.stringify(shown));
    expect((await vmx(['resource', 'update', 'chat', '--routing-file', file])).code).toBe(0);
    const again = (await vmx('resource show chat --json')).json();
    expect(withoutStamps(again)).toEqual(withoutStamps(shown));
    // …also with just the routing object
    writeFileSync(file, JSON.stringify(shown.routing));
    await vmx(['resource', 'update', 'chat', '--routing-file', file]);
    expect(withoutStamps((await vmx('resource show chat --json')).json())).toEqual(withoutStamps(shown));
  });

  it('updates settings one flag at a time and clears with none / --no-fallback', async () => {
    const { vmx } = await setup();
    await vmx([
      'resource',
      'add',
      'chat',
      '--model',
      'oa/gpt-4o-mini',
      '--fallback',
      'groq/llama-3.3-70b',
      '--route',
      'always -> oa/gpt-4o @ 10%',
    ]);
    const off = (await vmx('resource update chat --no-fallback --json')).json();
    expect(off).toMatchObject({ useFallback: false, fallbackModels: [{ connection: 'groq' }] });
    const on = (await vmx('resource update chat --fallback oa/gpt-4.1 --json')).json();
    expect(on).toMatchObject({
      useFallback: true,
      fallbackModels: [{ connection: 'oa', model: 'gpt-4.1' }],
      routes: ['always -> oa/gpt-4o @ 10%'],
    });
    const cleared = (
      await vmx('resource update chat --route none --fallback none --limit none --name chat2 --json')
    ).json();
    expect(cleared).toMatchObject({
      name: 'chat2',
      routing: null,
      fallbackModels: [],
      limits: [],
      model: { model: 'gpt-4o-mini' },
    });
  });

  it.each([
    [
      'route syntax error shows where',
      "resource add r --model oa/m --route 'tokens.input 100 -> oa/m'",
      2,
      'column 14',
    ],
    ['model without a connection', 'resource add r --model gpt-4o', 2, '<connection>/<model>'],
    [
      'connection of another environment',
      'resource add r --model elsewhere/llama',
      3,
      "connection 'elsewhere' not found",
    ],
    [
      'route target in another environment',
      "resource add r --model oa/m --route 'tokens.input < 5 -> elsewhere/x'",
      3,
      "'elsewhere'",
    ],
    ['routing file failing the schema', 'resource add r --model oa/m --routing-file FILE', 2, 'conditions[0].operator'],
    ['missing model without a TTY', 'resource add r', 2, '--model'],
    ['bad limit', 'resource add r --model oa/m --limit 5r/year', 2, '--limit'],
  ])('%s', async (_case, args, code, message) => {
    const { home, vmx } = await setup();
    const file = join(home, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ conditions: [{ type: 'group', operator: 'XOR', conditions: [], action: 'BLOCK' }] }),
    );
    const argv = args.match(/'[^']*'|\S+/g)!.map((a) => (a === 'FILE' ? file : a.replace(/^'|'$/g, '')));
    const out = await vmx(argv);
    expect(out.code).toBe(code);
    expect(out.stderr).toContain(message);
    expect((await vmx('resource list --json')).json()).toEqual([]);
  });

  it('refuses to remove a connection in use, naming the resources, unless --force', async () => {
    const { vmx } = await setup();
    await vmx('resource add a --model oa/m');
    await vmx('resource add b --model groq/m --fallback oa/m2');
    await vmx('resource add c --model groq/m');
    await vmx('key create k --resource b --resource c');
    const refused = await vmx('connection remove oa --yes');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('a, b');
    const forced = await vmx('connection remove oa --force --yes --json');
    expect(forced.json()).toMatchObject({ deleted: true, removedResources: ['a', 'b'] });
    expect((await vmx('resource list --json')).json().map((r: any) => r.name)).toEqual(['c']);
    expect((await vmx('key show k --json')).json().resourceNames).toEqual(['c']);
  });
});
