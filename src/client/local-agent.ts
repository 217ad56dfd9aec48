import { outputMaxBytesFor } from '../health/probe-spec.ts';
import { assert } from '../lib/assert.ts';
import { nsToMs } from '../lib/duration.ts';
import { ipFamily } from '../lib/ip-address.ts';
import {
  type HealthStatus,
  NODE_MAINTENANCE_CHECK_ID,
  SERVICE_MAINTENANCE_CHECK_PREFIX,
  type TaggedAddress,
} from '../model/records.ts';
import type { CheckProber } from '../ports/check-probe.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { CheckInput, NodeInput, Registration, ServiceInput } from '../state/catalog.ts';
import {
  FULL_SYNC_INTERVAL_MS,
  inSync,
  planSync,
  SYNC_RETRY_MS,
  sameRecord,
  syncDelayMs,
} from './anti-entropy.ts';
import type { CatalogReader, CatalogWriter } from './catalog-access.ts';
import { CheckRunners } from './check-runners.ts';
import type { LocalStateStore } from './local-state-store.ts';

export { SYNC_RETRY_MS } from './anti-entropy.ts';
export type { CatalogReader, CatalogWriter } from './catalog-access.ts';

export interface LocalAgentOptions {
  nodeName: string;
  catalog: CatalogWriter;
  clock: Clock;
  logger: Logger;
  /** Staggers for deferred output writes and full syncs; a fixed midpoint when not given. */
  random?: Random;
  /**
   * How this node is described in the catalog. Writes of services and checks never update an
   * existing node (`skipNodeUpdate`); anti-entropy registers the node again when the catalog's
   * description differs from this one.
   */
  node?: NodeInput;
  /** Largest check output kept, in bytes (`check_output_max_size`). */
  checkOutputMaxBytes?: number;
  /**
   * `check_update_interval`: a result that changes only a check's output is written to the
   * catalog after half this plus a stagger, not at once (Consul: 5 min; 0 writes every change).
   */
  checkUpdateIntervalMs?: number;
  /** `discard_check_output`: keep no output from probes. */
  discardCheckOutput?: boolean;
  /** Runs interval checks (HTTP, TCP, UDP, script, gRPC, H2PING); without it they keep their status. */
  prober?: CheckProber;
  /** The catalog's view of this node (anti-entropy) and of others (alias checks). */
  reader?: CatalogReader;
  /** Where API-registered definitions are kept across restarts. */
  store?: LocalStateStore;
  /** `ae_interval`: the base time between full syncs (Consul: 1 min). */
  fullSyncIntervalMs?: number;
  /** LAN members, for scaling the full-sync interval. */
  clusterSize?: () => number;
  /** The least `DeregisterCriticalServiceAfter` honoured (Consul: 1 min). */
  deregisterCriticalMinMs?: number;
}

export const LocalAgentErrorCode = {
  /** A service ID this agent does not hold (HTTP 404). */
  unknownService: 'unknown-service',
  /** A check ID this agent does not hold (HTTP 404). */
  unknownCheck: 'unknown-check',
  /** A status update for a check that is not a TTL check (HTTP 500, as Consul). */
  notTtl: 'not-ttl',
  /** A definition the agent refuses after decoding (HTTP 500, as Consul's `validateService`). */
  invalid: 'invalid',
} as const;
export type LocalAgentErrorCode = (typeof LocalAgentErrorCode)[keyof typeof LocalAgentErrorCode];

/** A refused local operation, with Consul's message. The local state is unchanged. */
export class LocalAgentError extends Error {
  override name = 'LocalAgentError';
  constructor(
    readonly code: LocalAgentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const SERVICE_MAINTENANCE_CHECK_NAME = 'Service Maintenance Mode';
export const NODE_MAINTENANCE_CHECK_NAME = 'Node Maintenance Mode';
export const DEFAULT_SERVICE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';
export const DEFAULT_NODE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
/** What a TTL check says when its TTL passes without an update (`CheckTTL.getExpiredOutput`). */
export const TTL_EXPIRED_OUTPUT = 'TTL expired';
/** `checks.DefaultBufSize`. */
export const DEFAULT_CHECK_OUTPUT_MAX_BYTES = 4 * 1024;
/** `check_update_interval`'s default. */
export const DEFAULT_CHECK_UPDATE_INTERVAL_MS = 5 * 60_000;
/** `CheckDeregisterIntervalMin`: a shorter `DeregisterCriticalServiceAfter` is raised to this. */
export const DEREGISTER_CRITICAL_MIN_MS = 60_000;
/** Checks written per catalog registration during a full sync. */
const CHECKS_PER_WRITE = 64;

const MAINTENANCE_CHECK_TYPE = 'maintenance';
const MIDPOINT_RANDOM: Random = { next: () => 0.5, uuid: () => '' };

interface LocalService {
  service: ServiceInput;
  /** Registered through the API (kept in the data dir), not defined by a config file. */
  persist: boolean;
}

interface LocalCheck {
  check: CheckInput;
  persist: boolean;
  /** Running while the check is a TTL check that has not expired since its last update. */
  ttlTimer: Timer | undefined;
  /** The output of the last update, quoted when the TTL expires. */
  lastUpdateOutput: string;
  /** Armed by an output-only change; writes the check when it fires (`check_update_interval`). */
  deferTimer: Timer | undefined;
  /** Armed while a service check with `DeregisterCriticalServiceAfter` is critical. */
  reapTimer: Timer | undefined;
}

type CatalogChange =
  | { kind: 'register'; registration: Registration }
  | { kind: 'deregisterService'; serviceId: string }
  | { kind: 'deregisterCheck'; checkId: string };
/**
 * The agent's own services and checks: what `/v1/agent/services` and `/v1/agent/checks` show,
 * and the source of truth for this node's entries in the catalog (Consul's `agent/local.State`
 * plus the parts of `agent.go` that add, remove, update, run and reap them).
 *
 * Every change is applied locally, then written to the catalog before the method resolves, as
 * Consul's handlers call `syncChanges()` before answering: a registration is visible in
 * `/v1/catalog` and `/v1/health` as soon as the HTTP call returns. If that write fails (no
 * leader, no servers), the local change stands, the failure is logged, and anti-entropy makes
 * the catalog agree later. Anti-entropy (`start()`) also runs on its own: a full sync at start,
 * then every `ae_interval` scaled with the cluster size, reads this node from the catalog,
 * removes what the agent does not hold and writes what differs.
 *
 * Checks: TTL checks run here on the injected clock; interval probes and alias checks run in
 * `CheckRunners`, whose results land in `recordResult`. A status change is written at once and
 * logged once; an output-only change waits for `check_update_interval`. A service check with
 * `DeregisterCriticalServiceAfter` that stays critical that long takes its service away.
 */
export class LocalAgent {
  readonly nodeName: string;
  private readonly catalog: CatalogWriter;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly node: NodeInput;
  private readonly outputMaxBytes: number;
  private readonly checkUpdateIntervalMs: number;
  private readonly discardCheckOutput: boolean;
  private readonly reader: CatalogReader | undefined;
  private readonly store: LocalStateStore | undefined;
  private readonly fullSyncIntervalMs: number;
  private readonly clusterSize: () => number;
  private readonly deregisterCriticalMinMs: number;
  private readonly runners: CheckRunners | undefined;
  private readonly serviceMap = new Map<string, LocalService>();
  private readonly checkMap = new Map<string, LocalCheck>();
  private readonly listeners = new Set<() => void>();
  /** Deletions whose catalog write failed, replayed by the next push when there is no reader. */
  private readonly pendingServiceDeletes = new Set<string>();
  private readonly pendingCheckDeletes = new Set<string>();
  private syncTimer: { timer: Timer; dueMs: number } | undefined;
  private syncing: Promise<boolean> | undefined;
  private started = false;
  private closed = false;

  constructor(options: LocalAgentOptions) {
    this.nodeName = options.nodeName;
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.random = options.random ?? MIDPOINT_RANDOM;
    this.logger = options.logger;
    this.node = options.node ?? {
      ID: '',
      Node: options.nodeName,
      Address: '',
      Datacenter: '',
      TaggedAddresses: {},
      Meta: {},
    };
    assert(this.node.Node === this.nodeName, 'local agent node description names another node');
    this.outputMaxBytes = options.checkOutputMaxBytes ?? DEFAULT_CHECK_OUTPUT_MAX_BYTES;
    this.checkUpdateIntervalMs = options.checkUpdateIntervalMs ?? DEFAULT_CHECK_UPDATE_INTERVAL_MS;
    this.discardCheckOutput = options.discardCheckOutput ?? false;
    this.reader = options.reader;
    this.store = options.store;
    this.fullSyncIntervalMs = options.fullSyncIntervalMs ?? FULL_SYNC_INTERVAL_MS;
    this.clusterSize = options.clusterSize ?? (() => 1);
    this.deregisterCriticalMinMs = options.deregisterCriticalMinMs ?? DEREGISTER_CRITICAL_MIN_MS;
    this.runners =
      options.prober === undefined
        ? undefined
        : new CheckRunners({
            nodeName: this.nodeName,
            clock: this.clock,
            random: this.random,
            logger: this.logger,
            prober: options.prober,
            catalog: options.reader ?? unavailableReader,
            outputMaxBytes: this.outputMaxBytes,
            local: {
              checks: () => this.checks(),
              hasService: (id) => this.serviceMap.has(id),
              onChange: (listener) => this.onChange(listener),
            },
          });
  }

  // --- reads -----------------------------------------------------------------------------------

  /** Local services, by ID. */
  services(): ServiceInput[] {
    return [...this.serviceMap.values()].map((local) => local.service).sort((a, b) => compare(a.ID, b.ID));
  }

  service(id: string): ServiceInput | undefined {
    return this.serviceMap.get(id)?.service;
  }

  /** Local checks (not the node's `serfHealth`, which gossip owns), by ID. */
  checks(): CheckInput[] {
    return [...this.checkMap.values()]
      .map((local) => local.check)
      .sort((a, b) => compare(a.CheckID, b.CheckID));
  }

  check(id: string): CheckInput | undefined {
    return this.checkMap.get(id)?.check;
  }

  /** Calls `listener` after every local change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How the check runners keep time (for metrics and `bench:health`). */
  runnerStats() {
    return this.runners?.stats();
  }

  // --- start -----------------------------------------------------------------------------------

  /**
   * Adds what an earlier run registered through the API and kept in the data dir: services and
   * checks the config files did not define again, and TTL check statuses whose TTL has not run
   * out. Written to the catalog by the first full sync.
   */
  restore(): void {
    if (this.store === undefined) return;
    const saved = this.store.load();
    for (const service of saved.services) {
      if (this.serviceMap.has(service.ID)) continue;
      this.serviceMap.set(service.ID, { service, persist: true });
    }
    for (const check of saved.checks) {
      if (this.checkMap.has(check.CheckID)) continue;
      const service = check.ServiceID === '' ? undefined : this.serviceMap.get(check.ServiceID);
      if (check.ServiceID !== '' && service === undefined) {
        this.logger.warn(
          { check: check.CheckID, service: check.ServiceID },
          'persisted check has no service, skipped',
        );
        continue;
      }
      let restored = service === undefined ? check : this.boundTo(check, service.service);
      const state = saved.checkStates.get(check.CheckID);
      if (
        state !== undefined &&
        (check.Definition.TTL ?? 0) > 0 &&
        state.expiresWallMs > this.clock.wallMs()
      ) {
        restored = { ...restored, Status: state.status, Output: state.output };
      }
      // Already in the store: kept as persisted, not written again.
      this.putCheck(restored, true, false);
    }
    this.logger.info(
      { services: saved.services.length, checks: saved.checks.length },
      'restored services and checks from the data dir',
    );
    this.changed();
  }

  /** Starts anti-entropy: a full sync now, then one every scaled `ae_interval`. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.fullSync();
  }

  /**
   * Makes the catalog agree with the local state now (Consul's `SyncFull`): with a reader, reads
   * this node and writes only the difference; without, pushes everything. Resolves `true` when
   * the catalog agrees; a failure is logged and retried after `SYNC_RETRY_MS` plus a stagger.
   * Concurrent calls share one run.
   */
  fullSync(): Promise<boolean> {
    this.syncing ??= this.runFullSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  // --- services --------------------------------------------------------------------------------

  /**
   * Adds or replaces a service and the checks it brings (IDs already assigned by the decoder).
   * A check that already exists keeps its status and output, so a re-registration does not flap
   * health. Checks of the service that are not in `checks` stay, unless `replaceExistingChecks`.
   * `persist: false` for config-file definitions, which the files define again at start.
   */
  async registerService(
    service: ServiceInput,
    checks: CheckInput[],
    options: { replaceExistingChecks?: boolean; persist?: boolean } = {},
  ): Promise<void> {
    assert(service.ID !== '' && service.Service !== '', 'service registration without ID or name');
    const taggedProblem = taggedAddressProblem(service.TaggedAddresses);
    if (taggedProblem !== undefined) throw new LocalAgentError(LocalAgentErrorCode.invalid, taggedProblem);
    const persist = options.persist ?? true;

    const stored = withDefaultTaggedAddresses(service);
    const registered = checks.map((check) => this.restored(this.boundTo(check, stored)));
    const registeredIds = new Set(registered.map((check) => check.CheckID));
    const removed: string[] = [];
    for (const [id, local] of this.checkMap) {
      if (local.check.ServiceID !== stored.ID || registeredIds.has(id)) continue;
      if (options.replaceExistingChecks) removed.push(id);
      else local.check = this.boundTo(local.check, stored);
    }

    this.serviceMap.set(stored.ID, { service: stored, persist });
    this.pendingServiceDeletes.delete(stored.ID);
    if (persist) this.store?.saveService(stored);
    for (const check of registered) this.putCheck(check, persist);
    for (const id of removed) this.dropCheck(id);
    this.changed();

    await this.push([
      { kind: 'register', registration: this.registration(stored, registered) },
      ...removed.map((checkId): CatalogChange => ({ kind: 'deregisterCheck', checkId })),
    ]);
  }

  /** Removes a service and every check bound to it. */
  async deregisterService(id: string): Promise<void> {
    this.requireService(id);
    this.serviceMap.delete(id);
    this.store?.removeService(id);
    for (const [checkId, local] of this.checkMap) if (local.check.ServiceID === id) this.dropCheck(checkId);
    this.changed();
    await this.push([{ kind: 'deregisterService', serviceId: id }]);
  }

  // --- checks ----------------------------------------------------------------------------------

  /**
   * Adds or replaces a check. A `ServiceID` must name a local service; the check takes that
   * service's name and tags. An existing check keeps its status and output, and a check whose
   * definition did not change keeps running on its schedule.
   */
  async registerCheck(check: CheckInput, options: { persist?: boolean } = {}): Promise<void> {
    assert(check.CheckID !== '', 'check registration without ID');
    let bound = { ...check, Node: this.nodeName };
    if (check.ServiceID !== '') {
      const service = this.serviceMap.get(check.ServiceID);
      if (service === undefined) {
        throw new LocalAgentError(
          LocalAgentErrorCode.unknownService,
          `ServiceID ${quote(check.ServiceID)} does not exist`,
        );
      }
      bound = this.boundTo(bound, service.service);
    }
    const registered = this.restored(bound);
    this.putCheck(registered, options.persist ?? true);
    this.changed();
    await this.push([{ kind: 'register', registration: this.registration(undefined, [registered]) }]);
  }

  async deregisterCheck(id: string): Promise<void> {
    this.requireCheck(id);
    this.dropCheck(id);
    this.changed();
    await this.push([{ kind: 'deregisterCheck', checkId: id }]);
  }

  /**
   * Sets a TTL check's status and output (`/v1/agent/check/{pass,warn,fail,update}`) and restarts
   * its TTL. Output beyond the size limit is cut as Consul cuts it.
   */
  async updateCheck(id: string, status: HealthStatus, output: string): Promise<void> {
    const local = this.requireCheck(id);
    const ttlNs = local.check.Definition.TTL ?? 0;
    if (ttlNs <= 0) {
      throw new LocalAgentError(
        LocalAgentErrorCode.notTtl,
        `CheckID ${quote(id)} does not have associated TTL`,
      );
    }
    const kept = truncateOutput(output, this.outputLimit(local.check));
    local.lastUpdateOutput = kept;
    this.armTtl(local);
    if (local.persist) {
      this.store?.saveCheckState(id, {
        status,
        output: kept,
        expiresWallMs: this.clock.wallMs() + nsToMs(ttlNs),
      });
    }
    await this.setStatus(local, status, kept);
  }

  /**
   * A result decided by a check runner (after the check's thresholds). Output is cut to the
   * limit, or dropped with `discard_check_output`; results for a check removed meanwhile are ignored.
   */
  recordResult(id: string, status: HealthStatus, output: string): void {
    const local = this.checkMap.get(id);
    if (local === undefined || this.closed) return;
    const kept = this.discardCheckOutput ? '' : truncateOutput(output, this.outputLimit(local.check));
    void this.setStatus(local, status, kept);
  }

  // --- maintenance -----------------------------------------------------------------------------

  /** Adds the critical `_service_maintenance:<id>` check; no-op when already in maintenance. */
  async enableServiceMaintenance(id: string, reason: string): Promise<void> {
    const service = this.requireService(id);
    const checkId = `${SERVICE_MAINTENANCE_CHECK_PREFIX}${id}`;
    if (this.checkMap.has(checkId)) return;
    const check = this.boundTo(
      maintenanceCheck(
        this.nodeName,
        checkId,
        SERVICE_MAINTENANCE_CHECK_NAME,
        reason || DEFAULT_SERVICE_MAINTENANCE_REASON,
      ),
      service.service,
    );
    this.putCheck(check, true);
    this.changed();
    this.logger.info({ service: id }, 'Service entered maintenance mode');
    await this.push([{ kind: 'register', registration: this.registration(undefined, [check]) }]);
  }

  async disableServiceMaintenance(id: string): Promise<void> {
    this.requireService(id);
    const checkId = `${SERVICE_MAINTENANCE_CHECK_PREFIX}${id}`;
    if (!this.checkMap.has(checkId)) return;
    this.dropCheck(checkId);
    this.changed();
    this.logger.info({ service: id }, 'Service left maintenance mode');
    await this.push([{ kind: 'deregisterCheck', checkId }]);
  }

  /** Adds the critical `_node_maintenance` check; no-op when already in maintenance. */
  async enableNodeMaintenance(reason: string): Promise<void> {
    if (this.checkMap.has(NODE_MAINTENANCE_CHECK_ID)) return;
    const check = maintenanceCheck(
      this.nodeName,
      NODE_MAINTENANCE_CHECK_ID,
      NODE_MAINTENANCE_CHECK_NAME,
      reason || DEFAULT_NODE_MAINTENANCE_REASON,
    );
    this.putCheck(check, true);
    this.changed();
    this.logger.info({}, 'Node entered maintenance mode');
    await this.push([{ kind: 'register', registration: this.registration(undefined, [check]) }]);
  }

  async disableNodeMaintenance(): Promise<void> {
    if (!this.checkMap.has(NODE_MAINTENANCE_CHECK_ID)) return;
    this.dropCheck(NODE_MAINTENANCE_CHECK_ID);
    this.changed();
    this.logger.info({}, 'Node left maintenance mode');
    await this.push([{ kind: 'deregisterCheck', checkId: NODE_MAINTENANCE_CHECK_ID }]);
  }

  /** Stops every runner and timer. Local state stays readable; later catalog writes are skipped. */
  close(): void {
    this.closed = true;
    this.runners?.close();
    for (const local of this.checkMap.values()) cancelTimers(local);
    this.syncTimer?.timer.cancel();
    this.syncTimer = undefined;
  }

  // --- internals -------------------------------------------------------------------------------

  private requireService(id: string): LocalService {
    const service = this.serviceMap.get(id);
    if (service === undefined) {
      throw new LocalAgentError(
        LocalAgentErrorCode.unknownService,
        `Unknown service ID ${quote(id)}. Ensure that the service ID is passed, not the service name.`,
      );
    }
    return service;
  }

  private requireCheck(id: string): LocalCheck {
    const local = this.checkMap.get(id);
    if (local === undefined) {
      throw new LocalAgentError(
        LocalAgentErrorCode.unknownCheck,
        `Unknown check ID ${quote(id)}. Ensure that the check ID is passed, not the check name.`,
      );
    }
    return local;
  }

  /** The check as bound to `service`: this node, that service's ID, name and tags. */
  private boundTo(check: CheckInput, service: ServiceInput): CheckInput {
    return {
      ...check,
      Node: this.nodeName,
      ServiceID: service.ID,
      ServiceName: service.Service,
      ServiceTags: [...service.Tags],
    };
  }

  /** Keeps the status and output of a check this agent already holds under the same ID. */
  private restored(check: CheckInput): CheckInput {
    const existing = this.checkMap.get(check.CheckID)?.check;
    return existing === undefined ? check : { ...check, Status: existing.Status, Output: existing.Output };
  }

  /**
   * Stores a (new or replacing) check: its TTL timer, its reap timer when critical, its runner
   * (kept when the definition did not change).
   */
  private putCheck(check: CheckInput, persist: boolean, save = persist): void {
    const previous = this.checkMap.get(check.CheckID);
    if (previous !== undefined && sameRecord(previous.check, check)) {
      // Registered again unchanged (a reload): its TTL, timers and runner go on undisturbed.
      if (persist && !previous.persist) this.store?.saveCheck(check);
      previous.persist ||= persist;
      return;
    }
    if (previous !== undefined) cancelTimers(previous);
    const local: LocalCheck = {
      check,
      persist,
      ttlTimer: undefined,
      lastUpdateOutput: '',
      deferTimer: undefined,
      reapTimer: undefined,
    };
    this.checkMap.set(check.CheckID, local);
    this.pendingCheckDeletes.delete(check.CheckID);
    if (save) this.store?.saveCheck(check);
    this.armTtl(local);
    this.trackCritical(local);
    if (!this.closed && check.Type !== MAINTENANCE_CHECK_TYPE) {
      this.runners?.start(check, (status, output) => this.recordResult(check.CheckID, status, output));
    }
  }

  private dropCheck(id: string): void {
    const local = this.checkMap.get(id);
    if (local === undefined) return;
    cancelTimers(local);
    this.runners?.stop(id);
    this.checkMap.delete(id);
    if (local.persist) {
      this.store?.removeCheck(id);
      this.store?.removeCheckState(id);
    }
  }

  private armTtl(local: LocalCheck): void {
    local.ttlTimer?.cancel();
    local.ttlTimer = undefined;
    const ttlNs = local.check.Definition.TTL ?? 0;
    if (ttlNs <= 0 || this.closed) return;
    local.ttlTimer = this.clock.setTimer(nsToMs(ttlNs), () => this.expireTtl(local));
  }

  /** The TTL passed without an update: critical, quoting the last output (`CheckTTL.run`). */
  private expireTtl(local: LocalCheck): void {
    local.ttlTimer = undefined;
    if (this.checkMap.get(local.check.CheckID) !== local || this.closed) return;
    this.logger.warn({ check: local.check.CheckID }, 'Check missed TTL, is now critical');
    const output =
      local.lastUpdateOutput === ''
        ? TTL_EXPIRED_OUTPUT
        : `${TTL_EXPIRED_OUTPUT} (last output before timeout follows): ${local.lastUpdateOutput}`;
    void this.setStatus(local, 'critical', output);
  }

  /**
   * Records a status and output. A new status is logged and written at once; a new output under
   * the same status waits for `check_update_interval` (the agent's own view changes at once).
   */
  private async setStatus(local: LocalCheck, status: HealthStatus, output: string): Promise<void> {
    const previous = local.check.Status;
    if (previous === status && local.check.Output === output) return;
    local.check = { ...local.check, Status: status, Output: output };
    if (previous !== status) {
      this.logger.info({ check: local.check.CheckID, from: previous, status }, 'Check status changed');
      this.trackCritical(local);
    }
    this.changed();
    if (previous === status && this.checkUpdateIntervalMs > 0) {
      this.deferWrite(local);
      return;
    }
    await this.push([{ kind: 'register', registration: this.registration(undefined, [local.check]) }]);
  }

  /** Consul's `DeferCheck`: the output is written after interval/2 plus a stagger up to the interval. */
  private deferWrite(local: LocalCheck): void {
    if (local.deferTimer !== undefined || this.closed) return;
    const delayMs =
      this.checkUpdateIntervalMs / 2 + Math.floor(this.random.next() * this.checkUpdateIntervalMs);
    local.deferTimer = this.clock.setTimer(delayMs, () => {
      local.deferTimer = undefined;
      if (this.checkMap.get(local.check.CheckID) !== local || this.closed) return;
      void this.push([{ kind: 'register', registration: this.registration(undefined, [local.check]) }]);
    });
  }

  /**
   * `DeregisterCriticalServiceAfter`: while a service check is critical a timer runs; if it is
   * still critical when it fires, the service and its checks are removed (Consul's reaper, which
   * polls every 30 s; here exactly on time). Shorter settings are raised to the minimum.
   */
  private trackCritical(local: LocalCheck): void {
    const afterNs = local.check.Definition.DeregisterCriticalServiceAfter ?? 0;
    const critical = local.check.Status === 'critical';
    if (!critical || afterNs <= 0 || local.check.ServiceID === '' || this.closed) {
      local.reapTimer?.cancel();
      local.reapTimer = undefined;
      return;
    }
    if (local.reapTimer !== undefined) return;
    const afterMs = Math.max(nsToMs(afterNs), this.deregisterCriticalMinMs);
    local.reapTimer = this.clock.setTimer(afterMs, () => {
      local.reapTimer = undefined;
      const serviceId = local.check.ServiceID;
      if (this.checkMap.get(local.check.CheckID) !== local || this.closed) return;
      if (local.check.Status !== 'critical' || !this.serviceMap.has(serviceId)) return;
      this.logger.info(
        { service: serviceId, check: local.check.CheckID },
        'Check for service has been critical for too long; deregistered service',
      );
      void this.deregisterService(serviceId).catch(() => {});
    });
  }

  private outputLimit(check: CheckInput): number {
    return outputMaxBytesFor(check.Definition, this.outputMaxBytes);
  }

  private registration(service: ServiceInput | undefined, checks: CheckInput[]): Registration {
    return {
      node: this.node,
      skipNodeUpdate: true,
      ...(service === undefined ? {} : { service }),
      checks,
    };
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Writes `changes` to the catalog, in order: each write is issued before the previous one is
   * awaited, and the write path keeps proposals in the order they were made. A failure is
   * logged and arms a full sync later; it does not fail the local operation. Resolves `true`
   * when every write succeeded.
   */
  private async push(changes: CatalogChange[]): Promise<boolean> {
    if (this.closed || changes.length === 0) return !this.closed;
    const writes = changes.map((change) =>
      this.write(change).then(
        () => true,
        (error: unknown) => {
          this.logger.warn(
            { error: String(error), change: change.kind },
            'failed to sync local state to the catalog',
          );
          if (change.kind === 'deregisterService') this.pendingServiceDeletes.add(change.serviceId);
          if (change.kind === 'deregisterCheck') this.pendingCheckDeletes.add(change.checkId);
          return false;
        },
      ),
    );
    const results = await Promise.all(writes);
    const ok = !results.includes(false);
    if (!ok) this.scheduleSync(syncDelayMs(SYNC_RETRY_MS, this.clusterSize(), () => this.random.next()));
    return ok;
  }

  private write(change: CatalogChange): Promise<void> {
    switch (change.kind) {
      case 'register':
        return this.catalog.register(change.registration);
      case 'deregisterService':
        return this.catalog.deregister(this.nodeName, change.serviceId, '');
      case 'deregisterCheck':
        return this.catalog.deregister(this.nodeName, '', change.checkId);
    }
  }

  /** Arms the next full sync `delayMs` from now, unless one is already due sooner. */
  private scheduleSync(delayMs: number): void {
    if (this.closed) return;
    const dueMs = this.clock.nowMs() + delayMs;
    if (this.syncTimer !== undefined && this.syncTimer.dueMs <= dueMs) return;
    this.syncTimer?.timer.cancel();
    this.syncTimer = {
      dueMs,
      timer: this.clock.setTimer(delayMs, () => {
        this.syncTimer = undefined;
        void this.fullSync();
      }),
    };
  }

  private async runFullSync(): Promise<boolean> {
    if (this.closed) return false;
    let ok: boolean;
    try {
      ok = await this.push(
        this.reader === undefined ? this.everything() : await this.difference(this.reader),
      );
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'anti-entropy: failed to read this node from the catalog');
      ok = false;
    }
    const size = this.clusterSize();
    const random = () => this.random.next();
    if (!ok) this.scheduleSync(syncDelayMs(SYNC_RETRY_MS, size, random));
    else if (this.started) this.scheduleSync(syncDelayMs(this.fullSyncIntervalMs, size, random));
    return ok;
  }

  /** What must be written for the catalog to agree with the local state (`updateSyncState`). */
  private async difference(reader: CatalogReader): Promise<CatalogChange[]> {
    const remote = await reader.nodeState(this.nodeName);
    const deferredOutput = new Set<string>();
    for (const [id, local] of this.checkMap) if (local.deferTimer !== undefined) deferredOutput.add(id);
    const plan = planSync(
      { node: this.node, services: this.services(), checks: this.checks(), deferredOutput },
      remote,
    );
    for (const { id, tags } of plan.adoptTags) {
      const local = this.serviceMap.get(id);
      if (local === undefined) continue;
      local.service = { ...local.service, Tags: tags };
      if (local.persist) this.store?.saveService(local.service);
    }
    if (inSync(plan)) return [];
    this.logger.debug(
      {
        services: plan.services.length,
        checks: plan.checks.length,
        deleted: plan.deleteServices.length + plan.deleteChecks.length,
      },
      'anti-entropy: syncing',
    );
    const changes: CatalogChange[] = [
      ...plan.deleteServices.map((serviceId): CatalogChange => ({ kind: 'deregisterService', serviceId })),
      ...plan.deleteChecks.map((checkId): CatalogChange => ({ kind: 'deregisterCheck', checkId })),
    ];
    if (plan.nodeOutOfSync) {
      changes.push({
        kind: 'register',
        registration: { node: this.node, skipNodeUpdate: false, checks: [] },
      });
    }
    const pendingChecks = new Map(plan.checks.map((check) => [check.CheckID, check]));
    for (const service of plan.services) {
      const own = [...pendingChecks.values()].filter((check) => check.ServiceID === service.ID);
      for (const check of own) pendingChecks.delete(check.CheckID);
      changes.push({ kind: 'register', registration: this.registration(service, own) });
    }
    changes.push(...this.checkWrites([...pendingChecks.values()]));
    this.pendingServiceDeletes.clear();
    this.pendingCheckDeletes.clear();
    return changes;
  }

  /** Without a reader: pending deletions, the node, then each service with its checks. */
  private everything(): CatalogChange[] {
    const changes: CatalogChange[] = [
      ...[...this.pendingServiceDeletes].map(
        (serviceId): CatalogChange => ({ kind: 'deregisterService', serviceId }),
      ),
      ...[...this.pendingCheckDeletes].map(
        (checkId): CatalogChange => ({ kind: 'deregisterCheck', checkId }),
      ),
    ];
    this.pendingServiceDeletes.clear();
    this.pendingCheckDeletes.clear();
    const checks = this.checks();
    for (const service of this.services()) {
      const own = checks.filter((check) => check.ServiceID === service.ID);
      changes.push({ kind: 'register', registration: this.registration(service, own) });
    }
    changes.push(...this.checkWrites(checks.filter((check) => check.ServiceID === '')));
    return changes;
  }

  private checkWrites(checks: CheckInput[]): CatalogChange[] {
    const changes: CatalogChange[] = [];
    for (let start = 0; start < checks.length; start += CHECKS_PER_WRITE) {
      const batch = checks.slice(start, start + CHECKS_PER_WRITE);
      changes.push({ kind: 'register', registration: this.registration(undefined, batch) });
    }
    return changes;
  }
}

function cancelTimers(local: LocalCheck): void {
  local.ttlTimer?.cancel();
  local.ttlTimer = undefined;
  local.deferTimer?.cancel();
  local.deferTimer = undefined;
  local.reapTimer?.cancel();
  local.reapTimer = undefined;
}

const unavailableReader: CatalogReader = {
  nodeState: () => Promise.reject(new Error('No known Consul servers')),
  nodeChecks: () => Promise.reject(new Error('No known Consul servers')),
};

function maintenanceCheck(node: string, checkId: string, name: string, notes: string): CheckInput {
  return {
    Node: node,
    CheckID: checkId,
    Name: name,
    Status: 'critical',
    Notes: notes,
    Output: '',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: MAINTENANCE_CHECK_TYPE,
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}

/**
 * The agent adds `lan_ipv4`/`wan_ipv4` (or `_ipv6`) tagged addresses for a service whose address
 * is an IP, unless they were given (`addServiceInternal`).
 */
function withDefaultTaggedAddresses(service: ServiceInput): ServiceInput {
  const family = ipFamily(service.Address);
  if (family === undefined) return service;
  const tagged: Record<string, TaggedAddress> = { ...service.TaggedAddresses };
  const own = { Address: service.Address, Port: service.Port };
  for (const tag of [`lan_ipv${family}`, `wan_ipv${family}`]) tagged[tag] ??= own;
  return { ...service, TaggedAddresses: tagged };
}

/** `validateService`'s tagged-address rule. */
function taggedAddressProblem(tagged: Record<string, TaggedAddress> | undefined): string | undefined {
  if (tagged === undefined) return undefined;
  for (const [tag, family] of [
    ['lan_ipv4', 4],
    ['wan_ipv4', 4],
    ['lan_ipv6', 6],
  ] as const) {
    const entry = tagged[tag];
    if (entry !== undefined && ipFamily(entry.Address) !== family) {
      return `Service tagged address ${quote(tag)} must be a valid ipv${family} address`;
    }
  }
  return undefined;
}

/** Cuts output past `maxBytes` as Consul does: `<head> ... (captured N of M bytes)`. */
export function truncateOutput(output: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short output needs no encoding (every run's path).
  if (output.length * 3 <= maxBytes) return output;
  const bytes = new TextEncoder().encode(output);
  if (bytes.length <= maxBytes) return output;
  const head = new TextDecoder().decode(bytes.subarray(0, maxBytes));
  return `${head} ... (captured ${maxBytes} of ${bytes.length} bytes)`;
}

/** Go's `%q` for the identifiers that appear in Consul's messages. */
function quote(text: string): string {
  return JSON.stringify(text);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
