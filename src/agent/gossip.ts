/**
 * The agent's gossip pools (Consul's `setupSerf`): every agent is in its datacenter's LAN pool,
 * servers also in the WAN pool as `<node>.<dc>`. Each pool is a `Serf` over its own UDP+TCP port,
 * with Consul's tags and, when configured, an encryption keyring persisted in the data dir.
 * Consul user events ride the LAN pool as serf user events named `consul:event:<name>`.
 */

import { LAN_PROFILE, WAN_PROFILE } from '../gossip/config.ts';
import { decodeConsulUserEvent, encodeConsulUserEvent } from '../gossip/consul-event.ts';
import type { JoinTarget } from '../gossip/delegate.ts';
import { Keyring } from '../gossip/keyring.ts';
import { type KeyOperationResult, Serf, type SerfMember, type SerfMemberStatus } from '../gossip/serf.ts';
import type { KeyringOperation, KeyringResponse } from '../http/context.ts';
import { decodeBase64, encodeBase64 } from '../lib/base64.ts';
import { nsToMs } from '../lib/duration.ts';
import { type Member, MemberStatus, type UserEvent } from '../model/records.ts';
import type { Aead } from '../ports/aead.ts';
import type { Clock } from '../ports/clock.ts';
import type { GossipTransport } from '../ports/gossip-transport.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { RuntimeConfig } from './config.ts';
import { CONSUL_EVENT_PREFIX, type EventTarget, shouldProcessUserEvent } from './events.ts';
import { type JoinAddress, parseJoinAddress, RetryJoiner } from './join.ts';
import { type AgentIdentity, memberTags } from './self.ts';

export type PoolName = 'LAN' | 'WAN';

/** A transport with the counters the agent exports (src/io/net-gossip-transport.ts). */
export interface CountingTransport extends GossipTransport {
  readonly stats: { errors: Record<string, number> };
  /** Binds before `listen`, so that an ephemeral port (0) is known before it is advertised. */
  bind(): Promise<{ host: string; port: number }>;
}

/** Where a pool's keyring lives: read at start, rewritten after every change. */
export interface KeyringStore {
  read(pool: PoolName): string[] | undefined;
  write(pool: PoolName, keys: readonly string[]): void;
}

export interface GossipPoolsOptions {
  config: RuntimeConfig;
  identity: AgentIdentity;
  clock: Clock;
  random: Random;
  logger: Logger;
  aead: Aead;
  /** A transport bound to `host:port` (0 = ephemeral) for one pool. */
  createTransport: (pool: PoolName, host: string, port: number) => CountingTransport;
  /** Host name → IP addresses (an IP literal resolves to itself). */
  resolveHost: (host: string) => Promise<string[]>;
  /** Absent without a data dir: keys come from `encrypt` only and changes are not kept. */
  keyringStore?: KeyringStore;
  /** The local services, for the event filters. */
  eventTarget: () => EventTarget;
  /** A Consul user event this agent accepted. */
  onUserEvent: (event: UserEvent) => void;
  /** Retry join gave up (`retry_max`); the agent exits. */
  onFatal: (error: Error) => void;
}

interface Pool {
  name: PoolName;
  serf: Serf;
  transport: CountingTransport;
  keyring: Keyring | undefined;
  port: number;
}

const STATUS_NUMBERS: Record<SerfMemberStatus, MemberStatus> = {
  alive: MemberStatus.alive,
  leaving: MemberStatus.leaving,
  left: MemberStatus.left,
  failed: MemberStatus.failed,
};

/** A serf member as `/v1/agent/members` shows it. */
export function memberJson(member: SerfMember): Member {
  return {
    Name: member.name,
    Addr: member.host,
    Port: member.port,
    Tags: { ...member.tags },
    Status: STATUS_NUMBERS[member.status] ?? MemberStatus.none,
    ProtocolMin: member.protocolMin,
    ProtocolMax: member.protocolMax,
    ProtocolCur: member.protocolCur,
    DelegateMin: member.delegateMin,
    DelegateMax: member.delegateMax,
    DelegateCur: member.delegateCur,
  };
}

/**
 * The keys a pool starts with (Consul's `setupKeyrings`): the keyring file once it exists, else
 * the `encrypt` key (which is then written to a new file). Returns base64 keys, primary first,
 * or none for an unencrypted pool, and the warning Consul logs when both are given.
 */
export function initialKeys(
  encrypt: string,
  fileKeys: readonly string[] | undefined,
  pool: PoolName,
): { keys: string[]; writeFile: boolean; warning?: string } {
  if (fileKeys !== undefined) {
    const warning =
      encrypt === '' ? undefined : `WARNING: ${pool} keyring exists but -encrypt given, using keyring`;
    return warning === undefined
      ? { keys: [...fileKeys], writeFile: false }
      : { keys: [...fileKeys], writeFile: false, warning };
  }
  if (encrypt === '') return { keys: [], writeFile: false };
  return { keys: [encrypt], writeFile: true };
}

/**
 * A keyring that writes itself to its store after every change, as serf does with its
 * `KeyringFile`: a key installed by another node's `keyring -install` survives a restart.
 */
class PersistedKeyring extends Keyring {
  private persist: ((keys: Uint8Array[]) => void) | undefined;

  constructor(keys: Uint8Array[], persist: (keys: Uint8Array[]) => void) {
    super(keys);
    this.persist = persist;
  }

  override install(key: Uint8Array): void {
    super.install(key);
    this.persist?.(this.keys());
  }

  override use(key: Uint8Array): void {
    super.use(key);
    this.persist?.(this.keys());
  }

  override remove(key: Uint8Array): void {
    super.remove(key);
    this.persist?.(this.keys());
  }
}

export class GossipPools {
  private readonly pools: Pool[] = [];
  private readonly joiners: RetryJoiner[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: GossipPoolsOptions) {
    this.logger = options.logger;
  }

  get lan(): Serf {
    return this.pool('LAN').serf;
  }

  hasWan(): boolean {
    return this.pools.some((pool) => pool.name === 'WAN');
  }

  /** Binds and starts the pools and listens for Consul user events. */
  async start(): Promise<void> {
    const { config, identity } = this.options;
    await this.startPool('LAN', identity.nodeName, config.ports.serfLan, memberTags(config, identity, false));
    if (config.server && config.ports.serfWan > 0) {
      await this.startPool(
        'WAN',
        `${identity.nodeName}.${config.datacenter}`,
        config.ports.serfWan,
        memberTags(config, identity, true),
      );
    }
    this.unsubscribe = this.lan.subscribe((event) => {
      if (event.type === 'user' && event.name.startsWith(CONSUL_EVENT_PREFIX)) {
        this.receiveUserEvent(event.name, event.payload, event.lTime);
      }
    });
  }

  /**
   * Joins `start_join` (throwing serf's error when none answers: the agent then fails to start,
   * as Consul's does), then starts the retry joiners in the background.
   */
  async joinConfigured(): Promise<void> {
    const { config } = this.options;
    if (config.join.length > 0) await this.startJoin('LAN', config.join);
    if (config.joinWan.length > 0 && this.hasWan()) await this.startJoin('WAN', config.joinWan);
    this.startRetryJoin('LAN', config.retryJoin, config.retryIntervalNs, config.retryMax);
    if (this.hasWan())
      this.startRetryJoin('WAN', config.retryJoinWan, config.retryIntervalWanNs, config.retryMaxWan);
  }

  members(wan: boolean): Member[] {
    const pool = this.pools.find((candidate) => candidate.name === (wan ? 'WAN' : 'LAN'));
    return pool === undefined ? [] : pool.serf.members().map(memberJson);
  }

  localMember(): Member {
    return memberJson(this.lan.localMember());
  }

  /** `Stats.serf_lan` / `serf_wan` of `/v1/agent/self`. */
  stats(pool: PoolName): Record<string, string> | undefined {
    const found = this.pools.find((candidate) => candidate.name === pool);
    if (found === undefined) return undefined;
    const members = found.serf.members();
    const count = (status: SerfMemberStatus) => members.filter((member) => member.status === status).length;
    return {
      encrypted: String(found.keyring !== undefined),
      failed: String(count('failed')),
      health_score: String(found.serf.memberlist.healthScore()),
      left: String(count('left')),
      members: String(members.length),
    };
  }

  /** Gauges for `/v1/agent/metrics`. */
  gauges(): { name: string; help: string; read: () => number }[] {
    const gauges = [];
    for (const name of ['LAN', 'WAN'] as const) {
      const pool = () => this.pools.find((candidate) => candidate.name === name);
      const label = name.toLowerCase();
      gauges.push(
        {
          name: `cairn.gossip.${label}.members`,
          help: `Members of the ${name} gossip pool, any status`,
          read: () => pool()?.serf.members().length ?? 0,
        },
        {
          name: `cairn.gossip.${label}.dropped`,
          help: `Inbound ${name} gossip refused as malformed, oversized or undecryptable, and sends that failed (a running total)`,
          read: () => {
            const found = pool();
            if (found === undefined) return 0;
            return sum(found.serf.memberlist.stats.dropped) + sum(found.transport.stats.errors);
          },
        },
      );
    }
    return gauges;
  }

  /** `/v1/agent/join/<address>[?wan]`: the number of nodes contacted; throws serf's error. */
  async join(addresses: readonly string[], wan: boolean): Promise<number> {
    const pool = this.pool(wan ? 'WAN' : 'LAN');
    this.logger.info({ addresses: addresses.join(' ') }, `(${pool.name}) joining`);
    try {
      const targets = await this.resolveTargets(addresses, pool.port);
      const joined = await pool.serf.join(targets, true);
      this.logger.info({ number_of_nodes: joined }, `(${pool.name}) joined`);
      return joined;
    } catch (error) {
      this.logger.warn({ error: describe(error) }, `(${pool.name}) couldn't join`);
      throw error;
    }
  }

  /** A Consul user event out on the LAN pool; serf delivers it back here too. */
  fireUserEvent(event: UserEvent): void {
    this.lan.userEvent(`${CONSUL_EVENT_PREFIX}${event.Name}`, encodeConsulUserEvent(event), false);
  }

  /** Graceful leave: WAN first, then LAN (Consul's `Server.Leave` order), each as serf leaves. */
  async leave(): Promise<void> {
    for (const joiner of this.joiners) joiner.stop();
    for (const pool of [...this.pools].reverse()) {
      this.logger.info({}, `serf: ${pool.name} leaving`);
      try {
        await pool.serf.leave();
      } catch (error) {
        this.logger.error({ error: describe(error) }, `Failed to leave ${pool.name} serf cluster`);
      }
    }
  }

  /**
   * `/v1/agent/force-leave/<node>[?prune][&wan]`. Without `wan`, a server removes the node from
   * the LAN pool and `<node>.<dc>` from the WAN pool, as Consul's `RemoveFailedNode` does.
   */
  async forceLeave(node: string, options: { prune: boolean; wan: boolean }): Promise<void> {
    const pool = this.pool(options.wan ? 'WAN' : 'LAN');
    if (!pool.serf.members().some((member) => member.name === node)) {
      throw new Error(`agent: No node found with name '${node}'`);
    }
    this.logger.info({ node, prune: options.prune }, 'Force leaving node');
    await pool.serf.forceLeave(node, options.prune);
    if (options.wan) return;
    const wan = this.pools.find((candidate) => candidate.name === 'WAN');
    if (wan === undefined) return;
    const suffix = `.${this.options.config.datacenter}`;
    const wanName = node.endsWith(suffix) ? node : `${node}${suffix}`;
    if (wan.serf.members().some((member) => member.name === wanName)) {
      await wan.serf.forceLeave(wanName, options.prune);
    }
  }

  /**
   * `/v1/operator/keyring`: the operation on every pool this agent is in (WAN first, as Consul
   * lists it), one response each. `key` is base64; a bad key is that pool's error.
   */
  async keyring(operation: KeyringOperation, key?: string): Promise<KeyringResponse[]> {
    const responses: KeyringResponse[] = [];
    for (const pool of [...this.pools].reverse()) {
      responses.push(await this.keyringOperation(pool, operation, key ?? ''));
    }
    return responses;
  }

  /** Stops the pools without leaving (peers will see this agent fail), then their sockets. */
  async shutdown(): Promise<void> {
    for (const joiner of this.joiners) joiner.stop();
    this.unsubscribe?.();
    for (const pool of [...this.pools].reverse()) {
      try {
        await pool.serf.shutdown();
      } catch (error) {
        this.logger.warn({ error: describe(error) }, `serf: ${pool.name} shutdown failed`);
      }
      await pool.transport.close();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private pool(name: PoolName): Pool {
    const pool = this.pools.find((candidate) => candidate.name === name);
    if (pool === undefined) {
      throw new Error(
        name === 'WAN' ? 'WAN pool is only available on servers' : 'serf: LAN pool is not running',
      );
    }
    return pool;
  }

  private async startPool(
    name: PoolName,
    nodeName: string,
    port: number,
    tags: Record<string, string>,
  ): Promise<void> {
    const { config, identity, clock, random, aead } = this.options;
    const logger = this.logger.child({ name: `agent.server.serf.${name.toLowerCase()}` });
    const keyring = this.buildKeyring(name, logger);
    // Bound before the serf exists, so that an ephemeral port (0, possible from code) is known
    // to advertise; the memberlist attaches its handler when it starts (`listen`).
    const transport = this.options.createTransport(name, config.bindAddr, port);
    let bound: number;
    try {
      bound = (await transport.bind()).port;
    } catch (error) {
      await transport.close();
      throw new Error(`Failed to start ${name} Serf: ${describe(error)}`);
    }
    const serf = new Serf({
      nodeName,
      tags,
      advertise: { host: identity.advertiseAddress, port: bound },
      profile: name === 'LAN' ? LAN_PROFILE : WAN_PROFILE,
      transport,
      clock,
      random,
      logger,
      ...(keyring === undefined ? {} : { keyring, aead }),
    });
    try {
      await serf.start();
    } catch (error) {
      await transport.close();
      throw new Error(`Failed to start ${name} Serf: ${describe(error)}`);
    }
    this.pools.push({ name, serf, transport, keyring, port: bound });
    logger.info(
      { node: nodeName, address: `${identity.advertiseAddress}:${bound}` },
      `serf: ${name} pool started`,
    );
  }

  private buildKeyring(pool: PoolName, logger: Logger): Keyring | undefined {
    const store = this.options.keyringStore;
    const { keys, writeFile, warning } = initialKeys(this.options.config.encrypt, store?.read(pool), pool);
    if (warning !== undefined) logger.warn({}, warning);
    if (keys.length === 0) return undefined;
    const decoded = keys.map((key) => decodeBase64(key));
    if (store === undefined) return new Keyring(decoded);
    if (writeFile) store.write(pool, keys);
    return new PersistedKeyring(decoded, (current) => {
      try {
        store.write(pool, current.map(encodeBase64));
      } catch (error) {
        logger.error({ error: describe(error) }, 'serf: Failed to persist keyring');
      }
    });
  }

  private async startJoin(pool: PoolName, addresses: readonly string[]): Promise<void> {
    const joined = await this.join(addresses, pool === 'WAN');
    this.logger.info({ cluster: pool, num_agents: joined }, 'Join completed. Initial agents synced with');
  }

  private startRetryJoin(
    pool: PoolName,
    addresses: readonly string[],
    intervalNs: number,
    maxAttempts: number,
  ) {
    if (addresses.length === 0) return;
    const joiner = new RetryJoiner({
      cluster: pool,
      addresses,
      intervalMs: nsToMs(intervalNs),
      maxAttempts,
      join: (targets) => this.join(targets, pool === 'WAN'),
      clock: this.options.clock,
      logger: this.logger.child({ name: 'agent.joiner' }),
      onExhausted: (error) => this.options.onFatal(error),
    });
    this.joiners.push(joiner);
    joiner.start();
  }

  private async resolveTargets(addresses: readonly string[], defaultPort: number): Promise<JoinTarget[]> {
    const targets: JoinTarget[] = [];
    const problems: string[] = [];
    for (const text of addresses) {
      const parsed = parseJoinAddress(text, defaultPort);
      if (typeof parsed === 'string') {
        problems.push(`Failed to resolve ${text}: ${parsed}`);
        continue;
      }
      try {
        for (const host of await this.options.resolveHost(parsed.host))
          targets.push(joinTarget(parsed, host));
      } catch (error) {
        problems.push(`Failed to resolve ${text}: ${describe(error)}`);
      }
    }
    if (targets.length === 0) throw new Error(multiError(problems));
    return targets;
  }

  private receiveUserEvent(name: string, payload: Uint8Array, lTime: number): void {
    let event: UserEvent;
    try {
      event = decodeConsulUserEvent(payload, lTime);
    } catch (error) {
      this.logger.error({ error: describe(error), name }, 'Failed to decode event');
      return;
    }
    if (!shouldProcessUserEvent(event, this.options.eventTarget())) return;
    this.logger.debug({ name: event.Name, id: event.ID }, 'new event');
    this.options.onUserEvent(event);
  }

  private async keyringOperation(
    pool: Pool,
    operation: KeyringOperation,
    key: string,
  ): Promise<KeyringResponse> {
    const response: KeyringResponse = {
      WAN: pool.name === 'WAN',
      Datacenter: this.options.config.datacenter,
      Segment: '',
      Messages: {},
      Keys: {},
      PrimaryKeys: {},
      NumNodes: 0,
      Error: '',
    };
    let result: KeyOperationResult;
    try {
      if (operation === 'list') result = await pool.serf.keys.list();
      else {
        const raw = decodeBase64(key);
        result = await pool.serf.keys[operation](raw);
      }
    } catch (error) {
      response.Error = describe(error);
      return response;
    }
    response.Messages = Object.fromEntries(result.messages);
    response.Keys = Object.fromEntries(result.keys);
    response.PrimaryKeys = Object.fromEntries(result.primaryKeys);
    response.NumNodes = result.numNodes;
    // serf's KeyManager verdicts.
    if (result.numErrors > 0)
      response.Error = `${result.numErrors}/${result.numNodes} nodes reported failure`;
    else if (result.numResponses < result.numNodes) {
      response.Error = `${result.numResponses}/${result.numNodes} nodes reported success`;
    }
    return response;
  }
}

function joinTarget(parsed: JoinAddress, host: string): JoinTarget {
  const address = { host, port: parsed.port };
  return parsed.name === undefined ? { address } : { name: parsed.name, address };
}

/** hashicorp/go-multierror's text, which Consul prints for join failures. */
export function multiError(problems: readonly string[]): string {
  const lines = problems.map((problem) => `\t* ${problem}`).join('\n');
  return `${problems.length} error${problems.length === 1 ? '' : 's'} occurred:\n${lines}\n\n`;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((total, value) => total + value, 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
