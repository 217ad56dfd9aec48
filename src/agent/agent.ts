import type { FastifyInstance } from 'fastify';
import { LocalAgent } from '../client/local-agent.ts';
import { DnsServer } from '../dns/dns-server.ts';
import { type DnsSettings, ServiceTtls } from '../dns/settings.ts';
import { Fsm } from '../fsm/fsm.ts';
import { LAN_PROFILE, WAN_PROFILE } from '../gossip/config.ts';
import { AnswerCache } from '../http/answer-cache.ts';
import { createHttpApp } from '../http/app.ts';
import type { HttpConfig, HttpContext } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { NetDnsExchange } from '../io/dns-exchange.ts';
import { DnsListener } from '../io/dns-listener.ts';
import { readKeyringFile, writeKeyringFile } from '../io/keyring-file.ts';
import { LocalStateFiles } from '../io/local-state-files.ts';
import { NetGossipTransport } from '../io/net-gossip-transport.ts';
import { nodeAead } from '../io/node-aead.ts';
import { NodeFileSystem } from '../io/node-file-system.ts';
import { nodeCheckProber } from '../io/probes/index.ts';
import { resolveHost } from '../io/resolve-host.ts';
import { runSoon } from '../io/system-clock.ts';
import { MILLISECOND, SECOND } from '../lib/duration.ts';
import { CONSUL_COMPATIBLE_VERSION, MEMBERLIST_PROTOCOL } from '../lib/version.ts';
import { CONSUL_SERVICE_NAME, serfHealthCheck } from '../model/records.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { UiFiles } from '../ports/ui.ts';
import type { Consensus } from '../server/consensus.ts';
import { Leaderless } from '../server/leaderless.ts';
import { createSoleServerRaft } from '../server/raft-node.ts';
import { Server } from '../server/server.ts';
import type { NodeInput } from '../state/catalog.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import { SegmentStorage } from '../storage/segment-storage.ts';
import { serverCatalogReader } from './catalog-reader.ts';
import { ConfigError, type RuntimeConfig } from './config.ts';
import { ConfiguredLocalState, decodeConfiguredDefinitions } from './definitions.ts';
import { EventLog } from './events.ts';
import { GossipPools, type KeyringStore, type PoolName } from './gossip.ts';
import { AgentMetrics } from './metrics.ts';
import { type AgentIdentity, selfBody } from './self.ts';

export interface AgentPorts {
  clock: Clock;
  random: Random;
  logger: Logger;
  /**
   * Reads the configuration again, from the same flags and files, for `/v1/agent/reload` and
   * SIGHUP; throws `ConfigError` when it no longer loads. Without it a reload re-applies the
   * configuration the agent started with.
   */
  reloadConfig?: () => RuntimeConfig;
  /**
   * The built web UI, loaded by the owner (the CLI knows where the build is), or why it is
   * missing. Read only when the UI is on (`uiEnabled`); without it the UI paths answer 503.
   */
  ui?: UiFiles;
}

/** Consul's `IsUIEnabled`: `ui_config.enabled`, or a `ui_config.dir` to serve. */
export function uiEnabled(config: RuntimeConfig): boolean {
  return config.uiConfig.enabled || config.uiConfig.dir !== '';
}

/**
 * Settings the agent accepts (they are Consul's) but that change nothing yet, said once at start
 * so that no one believes they took effect.
 */
export function notYetEffective(config: RuntimeConfig): string[] {
  const warnings: string[] = [];
  if (config.server && !config.dev && config.dataDir !== '') {
    warnings.push(
      `Raft state is kept in memory until the durable Raft log lands: what this server stores does not survive a restart (data_dir ${config.dataDir} holds the node ID only)`,
    );
  }
  if (config.server && !config.dev && !config.bootstrap) {
    warnings.push(
      `this server waits for ${config.bootstrapExpect || 'more'} servers before electing a leader, and multi-server Raft is not implemented yet: writes and leader reads answer "No cluster leader"`,
    );
  }
  return warnings;
}

/** Consul's limits (`kv_max_value_size`, `txn_max_req_len`, ops per txn, session TTL max). */
const KV_MAX_VALUE_BYTES = 512 * 1024;
const TXN_MAX_OPS = 128;
const SESSION_TTL_MAX_NS = 24 * 3600 * SECOND;

/**
 * A Cairn agent: the composition root. It builds the FSM, the consensus module, the server
 * write path, the local agent state and the HTTP API from the runtime config and the ports,
 * and owns their start and shutdown order.
 *
 * Start: consensus (a server elects itself when it is the only voter) → the agent's own node,
 * `serfHealth` check and `consul` service in the catalog → configured services and checks, then
 * those an earlier run kept in the data dir, their checks running, anti-entropy started → HTTP
 * listeners. Shutdown runs the other way.
 */
export class Agent {
  readonly identity: AgentIdentity;
  readonly server: Server;
  readonly local: LocalAgent;
  private readonly consensus: Consensus;
  private readonly events: EventLog;
  private readonly gossip: GossipPools;
  private readonly fatalListeners: ((error: Error) => void)[] = [];
  private readonly metrics: AgentMetrics;
  private readonly context: HttpContext;
  private readonly apps: FastifyInstance[] = [];
  private readonly dns: DnsServer;
  private readonly dnsListeners: DnsListener[] = [];
  private readonly leaveListeners: (() => void)[] = [];
  private readonly configured: ConfiguredLocalState;
  private stopping: Promise<void> | undefined;
  /** `host:port` of each HTTP listener, once started. */
  readonly httpAddresses: string[] = [];
  /** `host:port` of each DNS listener (UDP and TCP share it), once started. */
  readonly dnsAddresses: string[] = [];

  constructor(
    readonly config: RuntimeConfig,
    private readonly ports: AgentPorts,
  ) {
    const { clock, random, logger } = ports;
    this.identity = {
      nodeId: config.nodeId || random.uuid(),
      nodeName: config.nodeName,
      advertiseAddress: config.advertiseAddr || config.bindAddr,
    };
    let server: Server | undefined;
    const fsm = new Fsm({ onLockDelay: (keys, delayNs) => server?.armLockDelay(keys, delayNs) });
    this.consensus = this.chooseConsensus(fsm);
    server = new Server({
      fsm,
      consensus: this.consensus,
      clock,
      random,
      logger: logger.child({ name: 'agent.server' }),
    });
    this.server = server;
    this.gossip = this.createGossip();
    this.local = new LocalAgent({
      nodeName: this.identity.nodeName,
      node: this.nodeDescription(),
      catalog: server,
      reader: serverCatalogReader(server, clock, random),
      prober: nodeCheckProber(),
      ...(config.dataDir === ''
        ? {}
        : { store: new LocalStateFiles(config.dataDir, logger.child({ name: 'agent' })) }),
      clock,
      random,
      logger: logger.child({ name: 'agent' }),
      checkOutputMaxBytes: config.checkOutputMaxSize,
      checkUpdateIntervalMs: config.checkUpdateIntervalNs / MILLISECOND,
      discardCheckOutput: config.discardCheckOutput,
      clusterSize: () => this.gossip.members(false).length,
    });
    this.configured = new ConfiguredLocalState(this.local);
    this.events = new EventLog(random, (event) => this.gossip.fireUserEvent(event));
    this.dns = new DnsServer({
      settings: dnsSettings(config),
      source: config.server ? server : undefined,
      exchange: new NetDnsExchange(),
      clock,
      random,
      logger: logger.child({ name: 'agent.dns' }),
    });
    const stats = { blockingQueries: 0 };
    this.metrics = new AgentMetrics([...this.gaugeSources(stats), ...this.gossip.gauges()], () =>
      clock.wallMs(),
    );
    this.context = {
      config: this.httpConfig(),
      server,
      local: this.local,
      agent: {
        self: () => this.self(),
        members: (wan) => this.gossip.members(wan),
        join: async (address, wan) => {
          if (wan && !config.server) throw new HttpError(500, 'Must be a server to join WAN cluster');
          try {
            await this.gossip.join([address], wan);
          } catch (error) {
            throw new HttpError(500, error instanceof Error ? error.message : String(error));
          }
        },
        forceLeave: async (node, options) => {
          if (options.wan && !config.server)
            throw new HttpError(500, 'Must be a server to force-leave a node from the WAN cluster');
          await this.gossip.forceLeave(node, options);
        },
        leave: async () => {
          await this.gossip.leave();
          for (const listener of this.leaveListeners) listener();
        },
        reload: async () => {
          try {
            await this.reload();
          } catch (error) {
            if (error instanceof ConfigError)
              throw new HttpError(500, `Failed reloading config: ${error.message}`);
            throw error;
          }
        },
        fireEvent: async (event) => this.events.fire(event),
        events: () => this.events.list(),
        metrics: () => this.metrics.render(),
        keyring: (operation, key) => this.gossip.keyring(operation, key),
      },
      clock,
      random,
      logger: logger.child({ name: 'agent.http' }),
      stats,
      answers: new AnswerCache(),
      ...(uiEnabled(config)
        ? {
            ui: {
              contentPath: config.uiConfig.contentPath,
              files: ports.ui ?? { unavailable: 'web UI files were not given to this agent' },
            },
          }
        : {}),
    };
  }

  /** Asks the owner (the CLI) to shut the process down after `PUT /v1/agent/leave`. */
  onLeave(listener: () => void): void {
    this.leaveListeners.push(listener);
  }

  /** Asks the owner to exit with an error: retry join gave up after `retry_max` attempts. */
  onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  /** Graceful gossip leave without the HTTP `leave` listeners (Consul's leave on interrupt). */
  leaveGossip(): Promise<void> {
    return this.gossip.leave();
  }

  async start(): Promise<void> {
    const logger = this.ports.logger.child({ name: 'agent' });
    for (const warning of notYetEffective(this.config)) logger.warn({}, warning);
    await this.consensus.start();
    await this.gossip.start();
    const status = this.consensus.status();
    if (status.leaderAddress !== '') {
      logger.info({ leader: status.leaderAddress, term: status.term }, 'raft: entering leader state');
      await this.registerSelf();
      logger.info({ node: this.identity.nodeName }, 'member joined, marking health alive');
    }
    await this.configured.apply(decodeConfiguredDefinitions(this.config, this.identity.nodeName));
    // Config files first: a definition they make wins over the one an earlier run kept.
    this.local.restore();
    this.local.start();
    for (const host of this.listenHosts(this.config.addresses.dns, this.config.ports.dns)) {
      const listener = await DnsListener.listen({
        host,
        port: this.config.ports.dns,
        handler: this.dns.handle,
        logger: logger.child({ name: 'agent.dns' }),
      });
      this.dnsListeners.push(listener);
      this.dnsAddresses.push(listener.address);
      for (const network of ['udp', 'tcp'])
        logger.info({ address: listener.address, network }, 'Started DNS server');
    }
    for (const host of this.listenHosts(this.config.addresses.http, this.config.ports.http)) {
      const app = createHttpApp(this.context);
      this.apps.push(app);
      await app.listen({ host, port: this.config.ports.http });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : this.config.ports.http;
      const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      this.httpAddresses.push(shown);
      logger.info({ address: shown, network: 'tcp' }, 'Started HTTP server');
      if (this.context.ui !== undefined && 'assets' in this.context.ui.files)
        logger.info({ url: `http://${shown}${this.context.ui.contentPath}` }, 'Started web UI');
    }
    // As Consul: the start_join addresses are joined once the agent serves, and none answering
    // fails the start; retry_join goes on in the background.
    await this.gossip.joinConfigured();
  }

  /**
   * Consul's reload: reads the configuration again and applies what can change while running,
   * the services and checks the files define (added, changed, or taken away). Every definition
   * is validated before any is applied; a bad one leaves the agent as it was. Other settings
   * (addresses, ports, data dir) need a restart and are left as they were.
   */
  async reload(): Promise<void> {
    const logger = this.ports.logger.child({ name: 'agent' });
    logger.info({}, 'Reloading configuration...');
    const next = this.ports.reloadConfig?.() ?? this.config;
    const definitions = decodeConfiguredDefinitions(next, this.identity.nodeName);
    await this.configured.apply(definitions);
    logger.info(
      { services: definitions.services.length, checks: definitions.checks.length },
      'configuration reloaded',
    );
  }

  /**
   * Stops listeners first (no new requests), then timers, the gossip pools (without a leave:
   * peers see this agent fail unless it left first) and their sockets, then consensus. Idempotent.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.allSettled([
        ...this.apps.map((app) => app.close()),
        ...this.dnsListeners.map((listener) => listener.close()),
      ]);
      this.local.close();
      this.server.close();
      await this.gossip.shutdown();
      await this.consensus.stop();
    })();
    return this.stopping;
  }

  /**
   * A server that is the whole cluster (`-dev`, `-bootstrap`, `bootstrap_expect = 1`) runs the
   * Raft as its sole voter and elects itself. Any other server must wait for peers: without
   * multi-server Raft it stays leaderless (`No cluster leader`) rather than become one of several
   * independent leaders. A client has no server yet.
   */
  private chooseConsensus(fsm: Fsm): Consensus {
    const config = this.config;
    if (!config.server) return new Leaderless();
    if (config.dev || config.bootstrap) {
      const address = `${this.identity.advertiseAddress}:${config.ports.server}`;
      const { id, nodeName } = { id: this.identity.nodeId, nodeName: this.identity.nodeName };
      // The dev agent keeps its log in memory unless given a data dir; a bootstrap server
      // always has one (config validation requires it).
      const storage =
        config.dataDir === ''
          ? new MemoryStorage()
          : new SegmentStorage({ fileSystem: new NodeFileSystem(), directory: `${config.dataDir}/raft` });
      return createSoleServerRaft({
        id,
        nodeName,
        address,
        stateMachine: fsm,
        storage,
        clock: this.ports.clock,
        random: this.ports.random,
        logger: this.ports.logger.child({ name: 'agent.server.raft' }),
        schedule: runSoon,
      });
    }
    return Leaderless.awaitingPeers();
  }

  private createGossip(): GossipPools {
    const { config, ports } = this;
    const logger = ports.logger.child({ name: 'agent' });
    const keyringPath = (pool: PoolName) =>
      `${config.dataDir}/serf/${pool === 'LAN' ? 'local' : 'remote'}.keyring`;
    const keyringStore: KeyringStore | undefined =
      config.dataDir === ''
        ? undefined
        : {
            read: (pool) => readKeyringFile(keyringPath(pool)),
            write: (pool, keys) => writeKeyringFile(keyringPath(pool), keys),
          };
    return new GossipPools({
      config,
      identity: this.identity,
      clock: ports.clock,
      random: ports.random,
      logger,
      aead: nodeAead,
      createTransport: (pool, host, port) =>
        new NetGossipTransport({
          bindAddress: host,
          port,
          logger: logger.child({ name: `agent.server.memberlist.${pool.toLowerCase()}` }),
          tcpTimeoutMs: (pool === 'LAN' ? LAN_PROFILE : WAN_PROFILE).tcpTimeoutMs,
        }),
      resolveHost,
      ...(keyringStore === undefined ? {} : { keyringStore }),
      eventTarget: () => ({ nodeName: this.identity.nodeName, services: this.local.services() }),
      onUserEvent: (event) => this.events.ingest(event),
      onFatal: (error) => {
        for (const listener of this.fatalListeners) listener(error);
      },
    });
  }

  /**
   * Where a client listener binds: its own `addresses` entry, else `client_addr`; none when its
   * port is off (-1; a 0 set from code is an ephemeral port).
   */
  private listenHosts(addresses: string, port: number): string[] {
    if (port < 0) return [];
    return (addresses || this.config.clientAddr).split(/\s+/).filter((address) => address !== '');
  }

  /** This node as the catalog shows it (Consul's `nodeInfo` synced by anti-entropy). */
  private nodeDescription(): NodeInput {
    const { nodeId, nodeName, advertiseAddress } = this.identity;
    return {
      ID: nodeId,
      Node: nodeName,
      Address: advertiseAddress,
      Datacenter: this.config.datacenter,
      TaggedAddresses: {
        lan: advertiseAddress,
        lan_ipv4: advertiseAddress,
        wan: advertiseAddress,
        wan_ipv4: advertiseAddress,
      },
      Meta: { 'consul-network-segment': '', ...this.config.nodeMeta },
    };
  }

  /** The leader registers its own node with a passing serfHealth check and the `consul` service. */
  private async registerSelf(): Promise<void> {
    const { nodeName } = this.identity;
    await this.server.register({
      node: this.nodeDescription(),
      skipNodeUpdate: false,
      service: {
        Kind: '',
        ID: CONSUL_SERVICE_NAME,
        Service: CONSUL_SERVICE_NAME,
        Tags: [],
        Address: '',
        Meta: {
          raft_version: '3',
          serf_protocol_current: String(MEMBERLIST_PROTOCOL.current),
          serf_protocol_max: String(MEMBERLIST_PROTOCOL.max),
          serf_protocol_min: String(MEMBERLIST_PROTOCOL.min),
          version: CONSUL_COMPATIBLE_VERSION,
        },
        Port: this.config.ports.server,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      checks: [serfHealthCheck(nodeName)],
    });
  }

  private self(): Record<string, unknown> {
    const checks = this.local.checks();
    return selfBody(
      this.config,
      this.identity,
      this.consensus.status(),
      {
        services: this.local.services().length,
        checks: checks.length,
        ttlChecks: checks.filter((check) => check.Type === 'ttl').length,
      },
      {
        member: this.gossip.localMember(),
        serfLan: this.gossip.stats('LAN') ?? {},
        serfWan: this.gossip.stats('WAN'),
      },
    );
  }

  private httpConfig(): HttpConfig {
    const config = this.config;
    return {
      datacenter: config.datacenter,
      primaryDatacenter: config.primaryDatacenter || config.datacenter,
      nodeName: this.identity.nodeName,
      nodeId: this.identity.nodeId,
      server: config.server,
      defaultQueryTimeMs: config.defaultQueryTimeNs / MILLISECOND,
      maxQueryTimeMs: config.maxQueryTimeNs / MILLISECOND,
      kvMaxValueBytes: KV_MAX_VALUE_BYTES,
      txnMaxRequestBytes: KV_MAX_VALUE_BYTES,
      txnMaxOps: TXN_MAX_OPS,
      sessionTtlMinNs: config.sessionTtlMinNs,
      sessionTtlMaxNs: SESSION_TTL_MAX_NS,
      enableScriptChecks: config.enableScriptChecks,
    };
  }

  private gaugeSources(stats: { blockingQueries: number }) {
    const store = () => this.server.store;
    return [
      {
        name: 'cairn.http.blocking_queries',
        help: 'Blocking HTTP queries waiting for a change',
        read: () => stats.blockingQueries,
      },
      {
        name: 'cairn.raft.applied_index',
        help: 'Last Raft index applied to the FSM',
        read: () => this.consensus.status().appliedIndex,
      },
      {
        name: 'cairn.raft.commit_index',
        help: 'Raft commit index',
        read: () => this.consensus.status().commitIndex,
      },
      {
        name: 'cairn.state.kv_entries',
        help: 'KV entries in the state store',
        read: () => store().tables.kv.size,
      },
      {
        name: 'cairn.state.tombstones',
        help: 'KV tombstones awaiting reaping',
        read: () => store().tables.tombstones.size,
      },
      { name: 'cairn.state.nodes', help: 'Catalog nodes', read: () => store().tables.nodes.size },
      { name: 'cairn.state.sessions', help: 'Sessions', read: () => store().tables.sessions.size },
      {
        name: 'cairn.state.watches',
        help: 'Watch channels with listeners',
        read: () => store().watchCount(),
      },
      {
        name: 'cairn.health.checks_scheduled',
        help: 'Interval checks the agent runs',
        read: () => this.local.runnerStats()?.checks ?? 0,
      },
      {
        name: 'cairn.health.check_runs',
        help: 'Interval check runs started',
        read: () => this.local.runnerStats()?.runs ?? 0,
      },
      {
        name: 'cairn.health.lateness_p99_ms',
        help: 'Check scheduling lateness, 99th percentile (ms)',
        read: () => this.local.runnerStats()?.latenessP99Ms ?? 0,
      },
      {
        name: 'cairn.health.lateness_max_ms',
        help: 'Check scheduling lateness, maximum (ms)',
        read: () => this.local.runnerStats()?.latenessMaxMs ?? 0,
      },
      { name: 'cairn.dns.queries', help: 'DNS queries answered', read: () => this.dns.stats.queries },
      {
        name: 'cairn.dns.recursed',
        help: 'DNS queries forwarded to a recursor',
        read: () => this.dns.stats.recursed,
      },
      {
        name: 'cairn.dns.trimmed',
        help: 'DNS replies trimmed to fit their transport',
        read: () => this.dns.stats.trimmed,
      },
      {
        name: 'cairn.session_ttl.active',
        help: 'Session TTL timers',
        read: () => this.server.sessionTimers.size,
      },
    ];
  }
}

/** The DNS front-end's view of the configuration. */
function dnsSettings(config: RuntimeConfig): DnsSettings {
  const dns = config.dnsConfig;
  return {
    datacenter: config.datacenter.toLowerCase(),
    domain: config.domain.toLowerCase(),
    altDomain: config.altDomain.toLowerCase(),
    allowStale: dns.allowStale,
    maxStaleMs: dns.maxStaleNs / MILLISECOND,
    udpAnswerLimit: dns.udpAnswerLimit,
    aRecordLimit: dns.aRecordLimit,
    onlyPassing: dns.onlyPassing,
    enableTruncate: dns.enableTruncate,
    nodeTtl: Math.floor(dns.nodeTtlNs / SECOND),
    serviceTtl: new ServiceTtls(
      Object.fromEntries(
        Object.entries(dns.serviceTtlNs).map(([name, ttl]) => [name, Math.floor(ttl / SECOND)]),
      ),
    ),
    nodeMetaTxt: dns.enableAdditionalNodeMetaTxt,
    recursors: config.recursors.map(withDnsPort),
    recursorTimeoutMs: dns.recursorTimeoutNs / MILLISECOND,
    recursorStrategy: dns.recursorStrategy,
    soa: { refresh: dns.soa.refresh, retry: dns.soa.retry, expire: dns.soa.expire, minttl: dns.soa.minTtl },
    disableCompression: dns.disableCompression,
  };
}

/** A recursor address with port 53 unless it names one (Consul's `recursorAddr`). */
function withDnsPort(recursor: string): string {
  if (recursor.startsWith('[')) return /\]:\d+$/.test(recursor) ? recursor : `${recursor}:53`;
  const colons = recursor.split(':').length - 1;
  if (colons === 0) return `${recursor}:53`;
  return colons === 1 ? recursor : `[${recursor}]:53`;
}
