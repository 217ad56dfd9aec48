import { assert } from '../lib/assert.ts';
import { nsToMs } from '../lib/duration.ts';
import { ipFamily } from '../lib/ip-address.ts';
import {
  type HealthStatus,
  NODE_MAINTENANCE_CHECK_ID,
  SERVICE_MAINTENANCE_CHECK_PREFIX,
  type TaggedAddress,
} from '../model/records.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { CheckInput, NodeInput, Registration, ServiceInput } from '../state/catalog.ts';

/**
 * Where the local agent writes its services and checks: the catalog's write path. Declared here
 * by its user; `Server` satisfies it structurally (and a client agent's forwarding RPC will).
 */
export interface CatalogWriter {
  register(registration: Registration): Promise<void>;
  deregister(node: string, serviceId: string, checkId: string): Promise<void>;
}

export interface LocalAgentOptions {
  nodeName: string;
  catalog: CatalogWriter;
  clock: Clock;
  logger: Logger;
  /**
   * How this node is described if the catalog has not got it yet. Writes never update an
   * existing node (`skipNodeUpdate`): the node itself is the leader's and gossip's to keep.
   */
  node?: NodeInput;
  /** Largest check output kept, in bytes (`check_output_max_size`). */
  checkOutputMaxBytes?: number;
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
/** How long after a failed catalog write the agent pushes its whole state again (Consul: 15 s). */
export const SYNC_RETRY_MS = 15_000;

const MAINTENANCE_CHECK_TYPE = 'maintenance';

interface LocalCheck {
  check: CheckInput;
  /** Running while the check is a TTL check that has not expired since its last update. */
  ttlTimer: Timer | undefined;
  /** The output of the last update, quoted when the TTL expires. */
  lastUpdateOutput: string;
}

type CatalogChange =
  | { kind: 'register'; registration: Registration }
  | { kind: 'deregisterService'; serviceId: string }
  | { kind: 'deregisterCheck'; checkId: string };

/**
 * The agent's own services and checks: what `/v1/agent/services` and `/v1/agent/checks` show,
 * and the source of truth for this node's entries in the catalog (Consul's `agent/local.State`
 * plus the parts of `agent.go` that add, remove and update them).
 *
 * Every change is applied locally, then written to the catalog before the method resolves, as
 * Consul's handlers call `syncChanges()` before answering: a registration is visible in
 * `/v1/catalog` and `/v1/health` as soon as the HTTP call returns. If that write fails (no
 * leader, no servers), the local change stands, the failure is logged, and the agent pushes its
 * whole state again every `SYNC_RETRY_MS` until a push succeeds, which is how Consul's
 * anti-entropy behaves towards a failed sync.
 *
 * TTL checks run here: a timer per check on the injected clock, reset by every update; when it
 * fires the check turns critical with `TTL expired`. Other check kinds are stored with their
 * definition and initial status; nothing runs them yet (see README).
 */
export class LocalAgent {
  readonly nodeName: string;
  private readonly catalog: CatalogWriter;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly node: NodeInput;
  private readonly outputMaxBytes: number;
  /** Service ID → service, replaced (never mutated) on change. */
  private readonly serviceMap = new Map<string, ServiceInput>();
  private readonly checkMap = new Map<string, LocalCheck>();
  private readonly listeners = new Set<() => void>();
  /** Deletions whose catalog write failed, replayed by the next full push. */
  private readonly pendingServiceDeletes = new Set<string>();
  private readonly pendingCheckDeletes = new Set<string>();
  private retryTimer: Timer | undefined;
  private closed = false;

  constructor(options: LocalAgentOptions) {
    this.nodeName = options.nodeName;
    this.catalog = options.catalog;
    this.clock = options.clock;
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
  }

  // --- reads -----------------------------------------------------------------------------------

  /** Local services, by ID. */
  services(): ServiceInput[] {
    return [...this.serviceMap.values()].sort((a, b) => compare(a.ID, b.ID));
  }

  service(id: string): ServiceInput | undefined {
    return this.serviceMap.get(id);
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

  // --- services --------------------------------------------------------------------------------

  /**
   * Adds or replaces a service and the checks it brings (IDs already assigned by the decoder).
   * A check that already exists keeps its status and output, so a re-registration does not flap
   * health. Checks of the service that are not in `checks` stay, unless `replaceExistingChecks`.
   */
  async registerService(
    service: ServiceInput,
    checks: CheckInput[],
    options: { replaceExistingChecks?: boolean } = {},
  ): Promise<void> {
    assert(service.ID !== '' && service.Service !== '', 'service registration without ID or name');
    const taggedProblem = taggedAddressProblem(service.TaggedAddresses);
    if (taggedProblem !== undefined) throw new LocalAgentError(LocalAgentErrorCode.invalid, taggedProblem);

    const stored = withDefaultTaggedAddresses(service);
    const registered = checks.map((check) => this.restored(this.boundTo(check, stored)));
    const registeredIds = new Set(registered.map((check) => check.CheckID));
    const removed: string[] = [];
    for (const [id, local] of this.checkMap) {
      if (local.check.ServiceID !== stored.ID || registeredIds.has(id)) continue;
      if (options.replaceExistingChecks) removed.push(id);
      else local.check = this.boundTo(local.check, stored);
    }

    this.serviceMap.set(stored.ID, stored);
    this.pendingServiceDeletes.delete(stored.ID);
    for (const check of registered) this.putCheck(check);
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
    for (const [checkId, local] of this.checkMap) if (local.check.ServiceID === id) this.dropCheck(checkId);
    this.changed();
    await this.push([{ kind: 'deregisterService', serviceId: id }]);
  }

  // --- checks ----------------------------------------------------------------------------------

  /**
   * Adds or replaces a check. A `ServiceID` must name a local service; the check takes that
   * service's name and tags. An existing check keeps its status and output.
   */
  async registerCheck(check: CheckInput): Promise<void> {
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
      bound = this.boundTo(bound, service);
    }
    const registered = this.restored(bound);
    this.putCheck(registered);
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
    await this.setStatus(local, status, kept);
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
      service,
    );
    this.putCheck(check);
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
    this.putCheck(check);
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

  /** Stops every timer. Local state stays readable; later catalog writes are skipped. */
  close(): void {
    this.closed = true;
    for (const local of this.checkMap.values()) {
      local.ttlTimer?.cancel();
      local.ttlTimer = undefined;
    }
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }

  // --- internals -------------------------------------------------------------------------------

  private requireService(id: string): ServiceInput {
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

  /** Stores a (new or replacing) check and starts its TTL timer if it has a TTL. */
  private putCheck(check: CheckInput): void {
    const previous = this.checkMap.get(check.CheckID);
    previous?.ttlTimer?.cancel();
    const local: LocalCheck = { check, ttlTimer: undefined, lastUpdateOutput: '' };
    this.checkMap.set(check.CheckID, local);
    this.pendingCheckDeletes.delete(check.CheckID);
    this.armTtl(local);
  }

  private dropCheck(id: string): void {
    this.checkMap.get(id)?.ttlTimer?.cancel();
    this.checkMap.delete(id);
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

  /** Records a status change and writes it through; an unchanged status and output writes nothing. */
  private async setStatus(local: LocalCheck, status: HealthStatus, output: string): Promise<void> {
    if (local.check.Status === status && local.check.Output === output) return;
    local.check = { ...local.check, Status: status, Output: output };
    this.changed();
    await this.push([{ kind: 'register', registration: this.registration(undefined, [local.check]) }]);
  }

  private outputLimit(check: CheckInput): number {
    const own = check.Definition.OutputMaxSize ?? 0;
    return own > 0 && own < this.outputMaxBytes ? own : this.outputMaxBytes;
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
   * logged and arms a full push later; it does not fail the local operation.
   */
  private async push(changes: CatalogChange[]): Promise<void> {
    if (this.closed) return;
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
    if (results.includes(false)) this.scheduleFullPush();
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

  private scheduleFullPush(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = this.clock.setTimer(SYNC_RETRY_MS, () => {
      this.retryTimer = undefined;
      void this.fullPush();
    });
  }

  /** Pushes everything this agent holds: pending deletions, then each service with its checks. */
  private async fullPush(): Promise<void> {
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
    const nodeChecks = checks.filter((check) => check.ServiceID === '');
    if (nodeChecks.length > 0)
      changes.push({ kind: 'register', registration: this.registration(undefined, nodeChecks) });
    await this.push(changes);
  }
}

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
