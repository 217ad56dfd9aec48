/**
 * `cairn agent …`: loads the configuration the way Consul does (flags, files, directories) and
 * the web UI's files, prints the banner, starts the agent, and serves until SIGINT/SIGTERM or `/v1/agent/leave`.
 * Bad configuration exits 1 with one line naming the file, key, value and what was expected.
 * The process never forks, so signals reach it directly, and it leaves no port bound.
 */
import { Agent, uiEnabled } from '../agent/agent.ts';
import { formatBanner } from '../agent/banner.ts';
import { ConfigError } from '../agent/config.ts';
import { parseAgentFlags } from '../agent/flags.ts';
import { buildRuntimeConfig } from '../agent/load-config.ts';
import { ConfigFileReadError, readConfigFiles } from '../io/config-files.ts';
import { createLogger } from '../io/logger.ts';
import { loadOrCreateNodeId, privateIPv4 } from '../io/node-identity.ts';
import { ensureDirectory, machineHostname, removePidFile, writePidFile } from '../io/process-files.ts';
import { systemClock } from '../io/system-clock.ts';
import { systemRandom } from '../io/system-random.ts';
import { loadUiAssets, UiAssetsError } from '../io/ui-assets.ts';
import { isAnyAddress } from '../lib/ip-address.ts';
import { BUILD_DATE, CAIRN_VERSION } from '../lib/version.ts';
import type { UiFiles } from '../ports/ui.ts';

const AGENT_USAGE = `Usage: cairn agent [options]

  Starts the Cairn agent and runs until an interrupt is received. The agent
  represents a single node in a cluster. Flags follow Consul's: -dev, -server,
  -bootstrap, -bootstrap-expect, -node, -node-id, -datacenter, -bind, -client,
  -advertise, -data-dir, -config-file, -config-dir, -pid-file, -http-port,
  -dns-port, -server-port, -serf-lan-port, -serf-wan-port, -join, -retry-join,
  -retry-interval, -retry-max, -join-wan, -retry-join-wan, -log-level, -log-json,
  -ui, -ui-dir, -ui-content-path, -encrypt, -hcl, -node-meta.
`;

export interface AgentCommandOptions {
  /** This installation's dist/ui: the web UI served unless `ui_config.dir` names another. */
  bundledUiDirectory: string;
}

export async function runAgentCommand(argv: string[], options: AgentCommandOptions): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    return 1;
  };
  const flags = parseAgentFlags(argv);
  if (flags instanceof ConfigError) return fail(flags.message);
  if (flags.helpRequested) {
    process.stdout.write(AGENT_USAGE);
    return 0;
  }
  const files = readConfigFiles(flags.configSources, { formatForced: flags.configFormat !== undefined });
  if (files instanceof ConfigFileReadError) return fail(files.message);
  const built = buildRuntimeConfig({ argv, sources: files.files, hostname: machineHostname() });
  if (built instanceof ConfigError) return fail(built.message);
  const config = { ...built.config };

  const logger = createLogger({ level: config.logLevel, json: config.logJson });
  for (const warning of [...files.warnings, ...built.warnings]) logger.warn({}, warning);

  try {
    if (config.dataDir !== '') {
      ensureDirectory(config.dataDir);
      if (config.nodeId === '') config.nodeId = loadOrCreateNodeId(config.dataDir, () => systemRandom.uuid());
    }
    if (config.advertiseAddr === '' && isAnyAddress(config.bindAddr)) {
      config.advertiseAddr = privateIPv4();
    }
  } catch (error) {
    return fail(`==> ${error instanceof Error ? error.message : String(error)}`);
  }
  const ui = uiEnabled(config) ? loadUi(config.uiConfig, options.bundledUiDirectory) : undefined;
  if (typeof ui === 'string') return fail(ui);
  // Reload (SIGHUP, /v1/agent/reload) reads the same flags and files again.
  const reloadConfig = () => {
    const reread = readConfigFiles(flags.configSources, { formatForced: flags.configFormat !== undefined });
    if (reread instanceof ConfigFileReadError) throw new ConfigError(reread.message);
    const rebuilt = buildRuntimeConfig({ argv, sources: reread.files, hostname: machineHostname() });
    if (rebuilt instanceof ConfigError) throw rebuilt;
    return rebuilt.config;
  };
  const agent = new Agent(config, {
    clock: systemClock,
    random: systemRandom,
    logger,
    reloadConfig,
    ...(ui === undefined ? {} : { ui }),
  });
  process.stdout.write(
    formatBanner({
      config,
      version: `v${CAIRN_VERSION}`,
      buildDate: BUILD_DATE,
      nodeId: agent.identity.nodeId,
      advertiseAddr: agent.identity.advertiseAddress,
    }),
  );
  if (ui !== undefined && 'unavailable' in ui) logger.error({}, ui.unavailable);

  let stopping = false;
  let exitCode = 0;
  const stop = async (reason: string, options: { leave?: boolean } = {}) => {
    if (stopping) return;
    stopping = true;
    logger.info({}, reason);
    if (options.leave) {
      logger.info({}, 'Gracefully shutting down agent...');
      await agent.leaveGossip();
    }
    await agent.shutdown();
    if (config.pidFile !== '') removePidFile(config.pidFile);
    logger.info({}, 'agent: shutdown complete');
  };
  const done = new Promise<void>((resolve) => {
    // Consul's defaults: a client leaves the pool on SIGINT (`skip_leave_on_interrupt` is false
    // for clients), a server does not, and SIGTERM never leaves (`leave_on_terminate`), so its
    // peers see it fail.
    const onSignal = (signal: NodeJS.Signals) =>
      void stop(`Caught signal: ${signal}; graceful shutdown...`, {
        leave: signal === 'SIGINT' && !config.server,
      }).then(resolve);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.on('SIGHUP', () => {
      agent.reload().catch((error: unknown) => {
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          'agent: reload failed',
        );
      });
    });
    agent.onLeave(() => void stop('agent: requested leave; graceful shutdown...').then(resolve));
    agent.onFatal((error) => {
      logger.error({ error: error.message }, 'Retry join failed');
      exitCode = 1;
      void stop('agent: shutting down after a fatal error').then(resolve);
    });
  });

  try {
    await agent.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ error: message }, 'agent: failed to start');
    await agent.shutdown();
    process.stderr.write(`==> Error starting agent: ${message}\n`);
    return 1;
  }
  if (config.pidFile !== '') writePidFile(config.pidFile, process.pid);
  logger.info(
    { node: config.nodeName, datacenter: config.datacenter, http: agent.httpAddresses.join(' ') },
    'agent: started',
  );

  await done;
  return exitCode;
}

/**
 * The web UI's files: `ui_config.dir` when set, else the bundled build. A `ui_config.dir` that
 * is not a built UI stops the start (the message, as a string); a missing bundled build only
 * leaves the UI paths answering 503 with how to build it.
 */
function loadUi(
  uiConfig: { dir: string; contentPath: string },
  bundledUiDirectory: string,
): UiFiles | string {
  const directory = uiConfig.dir || bundledUiDirectory;
  const assets = loadUiAssets(directory, { contentPath: uiConfig.contentPath });
  if (!(assets instanceof UiAssetsError)) return { assets };
  if (uiConfig.dir !== '')
    return `==> ui_config.dir is not a built web UI (index.html and its assets): ${assets.message}`;
  return { unavailable: `web UI files not found in ${bundledUiDirectory}: run \`npm run build\`` };
}
