/**
 * The `cairn` command line: commander declarations for every command, Consul-style flags via
 * the argv normaliser, and one exit code out. IO arrives through `CliDependencies`, so the whole
 * CLI runs in tests without a process; main.ts supplies the real streams, files and stdin.
 */

import { Command, CommanderError, InvalidArgumentError, type Option } from 'commander';
import { CairnClient } from '../api-client/client.ts';
import { type CommandShape, normalizeConsulArgv } from './argv-normalizer.ts';
import { runCatalogDatacenters } from './commands/catalog-datacenters.ts';
import { runCatalogNodes } from './commands/catalog-nodes.ts';
import { runCatalogServices } from './commands/catalog-services.ts';
import { runEvent } from './commands/event.ts';
import { runForceLeave } from './commands/force-leave.ts';
import { runInfo } from './commands/info.ts';
import { runJoin } from './commands/join.ts';
import { runKeygen } from './commands/keygen.ts';
import { type KeyringCommandOptions, runKeyring } from './commands/keyring.ts';
import { runKvDelete } from './commands/kv-delete.ts';
import { runKvExport } from './commands/kv-export.ts';
import { runKvGet } from './commands/kv-get.ts';
import { runKvImport } from './commands/kv-import.ts';
import { runKvPut } from './commands/kv-put.ts';
import { runLeave } from './commands/leave.ts';
import { type MaintOptions, runMaint } from './commands/maint.ts';
import { runMembers } from './commands/members.ts';
import { runReload } from './commands/reload.ts';
import { runServicesDeregister } from './commands/services-deregister.ts';
import { runServicesRegister } from './commands/services-register.ts';
import { runVersion } from './commands/version.ts';
import type { InputReader } from './data-argument.ts';
import { type Environment, type HttpFlags, resolveClientConfig } from './http-settings.ts';
import type { Output } from './output.ts';
import { reportFailure } from './report-error.ts';

export interface CliDependencies {
  output: Output;
  env: Environment;
  input: InputReader;
  /** `cairn agent …`: gets the arguments after `agent`, untouched. */
  runAgent(args: string[]): Promise<number>;
}

interface GlobalFlags extends HttpFlags {
  stale?: boolean;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], dependencies: CliDependencies): Promise<number> {
  if (argv[0] === 'agent') return dependencies.runAgent(argv.slice(1));
  const args = ['-v', '-version', '--version'].includes(argv[0] ?? '') ? ['version'] : [...argv];
  let exitCode = 0;
  const program = buildProgram(dependencies, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(normalizeConsulArgv(args, commandShapeOf(program)), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}

function buildProgram(dependencies: CliDependencies, exitWith: (code: number) => void): Command {
  const { output, input } = dependencies;
  const program = new Command('cairn')
    .description('Cairn: service registry and discovery, compatible with Consul.')
    .option(
      '--http-addr <address>',
      'The address and port of the Cairn HTTP agent (also CAIRN_HTTP_ADDR, CONSUL_HTTP_ADDR). Default 127.0.0.1:8500.',
    )
    .option('--token <value>', 'ACL token to use in the request (also CAIRN_HTTP_TOKEN, CONSUL_HTTP_TOKEN).')
    .option('--datacenter <name>', "Name of the datacenter to query. Defaults to the agent's.")
    .option('--stale', 'Let any server answer reads, even without a leader.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => output.stdout.write(text),
      writeErr: (text) => output.stderr.write(text),
      // Name flags in errors as the user typed them: `unknown option '-bogus'`.
      outputError: (text, write) => write(text.replace(/(^|[\s'(])--(?=[a-z])/g, '$1-')),
    })
    .configureHelp({ showGlobalOptions: true, optionTerm: consulOptionTerm });

  /** Wraps a command body that talks to the agent: builds the client from the global flags. */
  const withClient =
    <Args extends unknown[]>(
      run: (client: CairnClient, globals: GlobalFlags, ...args: Args) => Promise<number>,
    ) =>
    async (...actionArgs: unknown[]) => {
      const command = actionArgs.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalFlags>();
      let client: CairnClient;
      try {
        client = new CairnClient(resolveClientConfig(globals, dependencies.env));
      } catch (error) {
        exitWith(reportFailure(output, 'Error connecting to Cairn agent', error));
        return;
      }
      exitWith(await run(client, globals, ...(actionArgs.slice(0, -1) as Args)));
    };

  program
    .command('agent')
    .description('Runs a Cairn agent (see `cairn agent -h`)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments();

  program
    .command('version')
    .description('Prints the Cairn version')
    .action(() => exitWith(runVersion(output)));

  program
    .command('members')
    .description('Lists the members of a Cairn cluster')
    .option('--detailed', 'Provides detailed information about nodes.')
    .option('--wan', 'If the agent is in server mode, lists the WAN pool instead.')
    .option('--status <regexp>', 'Only nodes whose status matches the regular expression.', '.*')
    .action(
      withClient((client, _globals, options: { detailed?: boolean; wan?: boolean; status: string }) =>
        runMembers(client, options, output),
      ),
    );

  program
    .command('info')
    .description('Provides debugging information for operators')
    .action(withClient((client) => runInfo(client, output)));

  program
    .command('leave')
    .description('Gracefully leaves the Cairn cluster and shuts down')
    .action(withClient((client) => runLeave(client, output)));

  program
    .command('reload')
    .description('Triggers the agent to reload configuration files')
    .action(withClient((client) => runReload(client, output)));

  program
    .command('maint')
    .description('Controls node or service maintenance mode')
    .option('--enable', 'Enable maintenance mode.')
    .option('--disable', 'Disable maintenance mode.')
    .option('--reason <text>', 'Text describing the maintenance reason.')
    .option('--service <id>', 'Control maintenance mode for a specific service ID.')
    .action(withClient((client, _globals, options: MaintOptions) => runMaint(client, options, output)));

  program
    .command('join')
    .description('Tells a running agent to join the cluster')
    .argument('[addresses...]', 'gossip addresses of existing members (host[:port])')
    .option('--wan', 'Joins a server to another server in the WAN pool.')
    .action(
      withClient((client, _globals, addresses: string[], options: { wan?: boolean }) =>
        runJoin(client, { addresses, ...options }, output),
      ),
    );

  program
    .command('force-leave')
    .description('Forces a member of the cluster to enter the "left" state')
    .argument('[node...]', 'the node name')
    .option('--prune', 'Remove the node from the member list entirely.')
    .option('--wan', 'Remove the node from the WAN pool only.')
    .action(
      withClient((client, _globals, nodes: string[], options: { prune?: boolean; wan?: boolean }) =>
        runForceLeave(client, { nodes, ...options }, output),
      ),
    );

  program
    .command('event')
    .description('Fire a new event')
    .argument('[payload...]', 'the event payload')
    .option('--name <name>', 'Name of the event.')
    .option('--node <regexp>', 'Regular expression to filter on node names.')
    .option('--service <regexp>', 'Regular expression to filter on service instances.')
    .option('--tag <regexp>', 'Regular expression to filter on service tags; requires -service.')
    .action(
      withClient((client, _globals, args: string[], options: Omit<Parameters<typeof runEvent>[1], 'args'>) =>
        runEvent(client, { ...options, args }, output),
      ),
    );

  program
    .command('keygen')
    .description('Generates a new encryption key')
    .action(() => exitWith(runKeygen(output)));

  program
    .command('keyring')
    .description('Manages gossip layer encryption keys')
    .option('--list', 'List all keys currently in use within the cluster.')
    .option('--list-primary', 'List all primary keys currently in use within the cluster.')
    .option('--install <key>', 'Install a new encryption key; it is not used until made primary with -use.')
    .option('--use <key>', 'Change the primary encryption key, which must already be installed.')
    .option('--remove <key>', 'Remove the given key from the cluster; it must not be primary.')
    .option('--relay-factor <n>', 'Nodes relay their answers through this many others (0-5).', parseUnsigned)
    .option('--local-only', 'Only list the keys this agent holds (with -list or -list-primary).')
    .action(
      withClient((client, _globals, options: KeyringCommandOptions) => runKeyring(client, options, output)),
    );

  addKvCommands(program.command('kv').description('Interact with the key-value store'));
  addCatalogCommands(program.command('catalog').description('Interact with the catalog'));
  addServicesCommands(program.command('services').description('Interact with services'));
  return program;

  function addKvCommands(kv: Command): void {
    kv.command('get')
      .description('Retrieves or lists data from the KV store')
      .argument('[key]', 'key, or prefix with -recurse / -keys')
      .option('--recurse', 'Recursively look at all keys prefixed with the given path.')
      .option('--keys', 'List keys which start with the given prefix, but not their values.')
      .option('--separator <separator>', 'Separator between keys, only with -keys.', '/')
      .option('--detailed', 'Provide additional metadata about the key, such as ModifyIndex and flags.')
      .option('--base64', 'Base64 encode the value.')
      .action(
        withClient((client, globals, key: string | undefined, options: Record<string, unknown>) =>
          runKvGet(client, { ...options, key, stale: globals.stale ?? false }, output),
        ),
      );

    kv.command('put')
      .description('Sets or updates data in the KV store')
      .argument('[key]')
      .argument('[data]', 'the value, @file to read a file, or - to read stdin')
      .option('--cas', 'Perform a Check-And-Set operation; requires -modify-index.')
      .option('--modify-index <index>', 'The ModifyIndex of the key, used with -cas.', parseUnsigned)
      .option('--flags <flags>', 'Unsigned integer value to assign to this key-value pair.', parseUnsigned)
      .option('--base64', 'Treat the data as base 64 encoded.')
      .option('--acquire', 'Obtain a lock on the key; requires -session.')
      .option('--release', 'Forfeit the lock on the key; requires -session.')
      .option('--session <id>', 'Session id for -acquire and -release.')
      .action(
        withClient((client, _globals, key: string | undefined, data: string | undefined, options: object) =>
          runKvPut(client, { ...options, key, data }, output, input),
        ),
      );

    kv.command('delete')
      .description('Removes data from the KV store')
      .argument('[key]', 'key, or prefix with -recurse')
      .option('--recurse', 'Recursively delete all keys with the path.')
      .option('--cas', 'Perform a Check-And-Set operation; requires -modify-index.')
      .option('--modify-index <index>', 'The ModifyIndex of the key, used with -cas.', parseUnsigned)
      .action(
        withClient((client, _globals, key: string | undefined, options: object) =>
          runKvDelete(client, { ...options, key }, output),
        ),
      );

    kv.command('export')
      .description('Exports a tree from the KV store as JSON')
      .argument('[prefix]')
      .action(
        withClient((client, globals, prefix: string | undefined) =>
          runKvExport(client, { prefix, stale: globals.stale ?? false }, output),
        ),
      );

    kv.command('import')
      .description('Imports a tree stored as JSON to the KV store')
      .argument('[data]', 'the JSON, @file to read a file, or - to read stdin')
      .option('--prefix <prefix>', 'Key prefix for imported data.', '')
      .action(
        withClient((client, _globals, data: string | undefined, options: { prefix: string }) =>
          runKvImport(client, { data, prefix: options.prefix }, output, input),
        ),
      );
  }

  function addCatalogCommands(catalog: Command): void {
    catalog
      .command('datacenters')
      .description('Lists all known datacenters')
      .action(withClient((client) => runCatalogDatacenters(client, output)));

    catalog
      .command('nodes')
      .description('Lists all nodes in the given datacenter')
      .option('--detailed', 'Output detailed information about the nodes, including addresses and metadata.')
      .option('--service <name>', 'Only nodes which are providing the given service.')
      .action(
        withClient((client, globals, options: { detailed?: boolean; service?: string }) =>
          runCatalogNodes(client, { ...options, stale: globals.stale ?? false }, output),
        ),
      );

    catalog
      .command('services')
      .description('Lists all registered services in a datacenter')
      .option('--tags', "Display each service's tags as a comma-separated list.")
      .option('--node <name>', 'Only services on the given node.')
      .action(
        withClient((client, globals, options: { tags?: boolean; node?: string }) =>
          runCatalogServices(client, { ...options, stale: globals.stale ?? false }, output),
        ),
      );
  }

  function addServicesCommands(services: Command): void {
    services
      .command('register')
      .description('Register services with the local agent')
      .argument('[files...]', 'service definition files (.json or .hcl)')
      .option('--id <id>', 'ID of the service; defaults to -name.')
      .option('--name <name>', 'Name of the service to register.')
      .option('--address <address>', 'Address of the service.')
      .option('--port <port>', 'Port of the service.', parseUnsigned)
      .option('--socket <path>', 'Path to the Unix domain socket of the service.')
      .option('--kind <kind>', "The service's kind.")
      .option('--tag <tag>', 'Tag to add to the service; may repeat.', collectList)
      .option('--meta <key=value>', 'Metadata to set on the service; may repeat.', collectPairs)
      .action(
        withClient((client, _globals, files: string[], options: object) =>
          runServicesRegister(client, { ...options, files }, output, input),
        ),
      );

    services
      .command('deregister')
      .description('Deregister services with the local agent')
      .argument('[files...]', 'service definition files (.json or .hcl)')
      .option('--id <id>', 'ID to deregister; not with files.')
      .action(
        withClient((client, _globals, files: string[], options: { id?: string }) =>
          runServicesDeregister(client, { ...options, files }, output, input),
        ),
      );
  }
}

/** The flags each command accepts (its own and its ancestors'), for the argv normaliser. */
export function commandShapeOf(
  command: Command,
  inherited: { valueFlags: ReadonlySet<string>; booleanFlags: ReadonlySet<string> } = {
    valueFlags: new Set(),
    booleanFlags: new Set(['help']),
  },
): CommandShape {
  const valueFlags = new Set(inherited.valueFlags);
  const booleanFlags = new Set(inherited.booleanFlags);
  for (const option of command.options) {
    const name = option.long?.replace(/^--/, '');
    if (name) (option.required || option.optional ? valueFlags : booleanFlags).add(name);
  }
  const subcommands = new Map<string, CommandShape>();
  for (const subcommand of command.commands) {
    const shape = commandShapeOf(subcommand, { valueFlags, booleanFlags });
    for (const name of [subcommand.name(), ...subcommand.aliases()]) subcommands.set(name, shape);
  }
  return { subcommands, valueFlags, booleanFlags };
}

/** Help lists flags the way Consul users type them: `-http-addr <address>`. */
function consulOptionTerm(option: Option): string {
  return option.flags.replace(/--/g, '-');
}

function parseUnsigned(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('Not an unsigned integer.');
  }
  return Number(text);
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function collectPairs(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = text.indexOf('=');
  if (equals === -1) throw new InvalidArgumentError('Expected key=value.');
  return { ...previous, [text.slice(0, equals)]: text.slice(equals + 1) };
}
