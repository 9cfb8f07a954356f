import { Command, Option, type ParseOptions } from 'commander';
import { auditCommand } from './commands/audit/index.js';
import { batchCommand } from './commands/batch/index.js';
import { configCommand } from './commands/config/index.js';
import { configFileVerbs } from './commands/config-file/index.js';
import { connectionCommand } from './commands/connection/index.js';
import { daemonVerbs } from './commands/daemon/index.js';
import { envCommand } from './commands/env/index.js';
import { keyCommand } from './commands/key/index.js';
import { poolCommand } from './commands/pool/index.js';
import { resourceCommand } from './commands/resource/index.js';
import { memberCommand } from './commands/member/index.js';
import { usageVerb } from './commands/usage/index.js';
import { workspaceCommand } from './commands/workspace/index.js';
import type { CliDeps } from './context.js';
import { buildVerb, prepareVerbs, verbListHelp, type VerbDefinition } from './verb.js';
import { version } from '../version.js';

/** The root command; before parsing a command line it loads the verbs the line names (their flags). */
class Program extends Command {
  override async parseAsync(argv?: readonly string[], options?: ParseOptions): Promise<this> {
    await prepareVerbs(this, argv ?? process.argv);
    return super.parseAsync(argv && jsonBeforeCommand(this, argv), options);
  }
}

/**
 * `--json` takes an optional list of fields, so commander would read the word after it as one: in
 * `vmx --json workspace list` that word is a command. Such a `--json` becomes `--json=`, a `--json`
 * without fields.
 */
function jsonBeforeCommand(root: Command, argv: readonly string[]): string[] {
  let current = root;
  return argv.map((word, index) => {
    const next = argv[index + 1];
    const named = (name: string | undefined) =>
      current.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ''));
    if (word === '--json' && named(next)) return '--json=';
    current = named(word) ?? current;
    return word;
  });
}

/** The verbs without a noun: first run, context and checks. */
const topLevelVerbs: VerbDefinition[] = [
  {
    name: 'init',
    summary: 'First run: workspace, environment, connection, resource and key, then a ready SDK snippet',
    details:
      'The connection is tested with a one-token completion before anything is saved (--skip-test saves it untested).\nThe key is printed once, as `export VMX_API_KEY=…`, followed by curl, Node and Python snippets.',
    examples: [
      'vmx init',
      'printf %s "$OPENAI_API_KEY" | vmx init -w acme -e dev --provider openai --api-key-stdin --model gpt-4o-mini',
      'vmx init --provider openai-compatible --base-url http://127.0.0.1:8000/v1 --api-key-env LOCAL_KEY --model llama3.2',
      'vmx init --provider openai-compatible --base-url http://127.0.0.1:11434/v1 --model llama3.2 --json',
    ],
    takesFlags: true,
    load: () => import('./commands/init/run.js'),
  },
  {
    name: 'use',
    args: '[context]',
    summary: 'Set the current workspace (and environment), or the shared store, for this data dir',
    examples: [
      'vmx use acme/dev',
      'vmx use acme',
      'vmx use --database-url postgres://vmx@db/vmx --redis-url redis://cache:6379',
      'vmx use --local',
    ],
    takesFlags: true,
    load: () => import('./commands/use.js'),
  },
  {
    name: 'whoami',
    summary: 'Show the acting user and the current context',
    examples: ['vmx whoami', 'vmx whoami --as bob --json'],
    load: () => import('./commands/whoami.js'),
  },
  {
    name: 'version',
    summary: "Show vmx's version, the Node.js running it and the data dir",
    examples: ['vmx version', 'vmx version --json'],
    load: () => import('./commands/version.js'),
  },
  {
    name: 'completion',
    args: '[shell]',
    summary: 'Print the shell completion script for bash, zsh or fish',
    details:
      'It completes nouns, verbs, flags and the names of workspaces, environments, connections, resources\n' +
      'and keys (read from the store of the data dir, as the command would).',
    examples: [
      'source <(vmx completion bash)        # in ~/.bashrc',
      'source <(vmx completion zsh)         # in ~/.zshrc, after compinit',
      'vmx completion fish > ~/.config/fish/completions/vmx.fish',
    ],
    load: () => import('./commands/completion/run.js'),
  },
  {
    name: 'doctor',
    summary: 'Check the data dir, the database schema and the rest of the setup',
    examples: ['vmx doctor', 'vmx doctor --json'],
    load: () => import('./commands/doctor.js'),
  },
];

/** The root command: global flags of CLI.md and one line per noun. */
export function buildProgram(deps: CliDeps): Command {
  const program = globalFlags(
    new Program('vmx')
      .description(
        'A local AI gateway: workspaces, environments, connections, resources and keys, served on localhost.',
      )
      .version(version, '-v, --version'),
  )
    .showSuggestionAfterError(true)
    .configureHelp(verbListHelp)
    .addHelpText(
      'after',
      '\nExamples:\n  $ vmx workspace create acme\n  $ vmx env add dev -w acme\n  $ vmx use acme/dev\n',
    );

  for (const verb of topLevelVerbs) program.addCommand(buildVerb(verb, deps));
  program.addCommand(workspaceCommand(deps));
  program.addCommand(envCommand(deps));
  program.addCommand(memberCommand(deps));
  program.addCommand(connectionCommand(deps));
  program.addCommand(resourceCommand(deps));
  program.addCommand(keyCommand(deps));
  program.addCommand(poolCommand(deps));
  program.addCommand(batchCommand(deps));
  for (const verb of daemonVerbs) program.addCommand(buildVerb(verb, deps));
  program.addCommand(buildVerb(usageVerb, deps));
  program.addCommand(auditCommand(deps));
  program.addCommand(configCommand(deps));
  for (const verb of configFileVerbs) program.addCommand(buildVerb(verb, deps));
  return program;
}

/** The global flags (CLI.md): every verb reads them through its context. */
function globalFlags(program: Program): Program {
  return program
    .option(
      '--json [fields]',
      'machine output: JSON on stdout, errors as JSON on stderr; with fields (id,name), only those',
    )
    .option('--jq <expression>', 'filter the JSON output with a jq expression (implies --json)')
    .option('--home <dir>', 'data directory (env VMX_HOME)')
    .option('--as <user>', 'acting user (env VMX_USER; default: the OS user)')
    .option('-w, --workspace <name|id>', 'workspace to act on (default: the current context)')
    .option('-e, --env <name|id>', 'environment to act on (default: the current context)')
    .option('-y, --yes', 'skip confirmations')
    .option(
      '--database-url <url>',
      'a shared PostgreSQL store (env VMX_DATABASE_URL; default: the SQLite file in --home)',
    )
    .option('--secret-key-file <path>', 'key sealing provider secrets in a shared store (env VMX_SECRET_KEY)')
    .addOption(new Option('--no-color', 'no colours in human output'))
    .addOption(new Option('--no-pager', 'never page long output (default pager: VMX_PAGER, PAGER, less -FRX)'));
}
