/**
 * The records Cairn stores and serves. Field names are Consul's wire names (its Go structs have
 * no json tags), so the HTTP layer serialises these without a mapping layer and a reader can
 * hold them against Consul's `agent/structs/structs.go`. Every stored record carries the Raft
 * indexes of its creation and last change.
 */

export interface RaftIndexes {
  CreateIndex: number;
  ModifyIndex: number;
}

export const HealthStatus = {
  passing: 'passing',
  warning: 'warning',
  critical: 'critical',
  maintenance: 'maintenance',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export interface TaggedAddress {
  Address: string;
  Port: number;
}

export interface Weights {
  Passing: number;
  Warning: number;
}

/** A catalog node (`structs.Node`). */
export interface CatalogNode extends RaftIndexes {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
}

/** A service instance on a node (`structs.NodeService`). */
export interface NodeService extends RaftIndexes {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, TaggedAddress>;
  Meta: Record<string, string>;
  Port: number;
  SocketPath?: string;
  Weights: Weights;
  EnableTagOverride: boolean;
  Proxy?: Record<string, unknown>;
  Connect?: Record<string, unknown>;
}

/**
 * The check definition as Consul echoes it back in `HealthCheck.Definition`. Booleans are
 * present only when true (Go's `omitempty`).
 */
export interface CheckDefinition {
  Interval?: number; // ns
  Timeout?: number; // ns
  DeregisterCriticalServiceAfter?: number; // ns
  HTTP?: string;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  /** HTTP checks: a 3xx is the answer, not followed. */
  DisableRedirects?: boolean;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  /** TCP checks: a TLS handshake after the connection opens. */
  TCPUseTLS?: boolean;
  UDP?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  H2PING?: string;
  /** H2PING checks: HTTP/2 over TLS; agent definitions with `H2PING` default it to true. */
  H2PingUseTLS?: boolean;
  ScriptArgs?: string[];
  TTL?: number; // ns
  AliasNode?: string;
  AliasService?: string;
  OutputMaxSize?: number;
  SuccessBeforePassing?: number;
  FailuresBeforeWarning?: number;
  FailuresBeforeCritical?: number;
}

/** A health check (`structs.HealthCheck`). Node checks have `ServiceID === ''`. */
export interface HealthCheck extends RaftIndexes {
  Node: string;
  CheckID: string;
  Name: string;
  Status: HealthStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: CheckDefinition;
}

/** A KV entry (`structs.DirEntry`). `Value` null means nil, which Consul keeps distinct from empty. */
export interface KvEntry extends RaftIndexes {
  LockIndex: number;
  Key: string;
  Flags: number;
  Value: Uint8Array | null;
  Session: string; // '' when unlocked (omitted on the wire)
}

export const SessionBehavior = { release: 'release', delete: 'delete' } as const;
export type SessionBehavior = (typeof SessionBehavior)[keyof typeof SessionBehavior];

export interface ServiceCheckRef {
  ID: string;
  Namespace: string;
}

/** A session (`structs.Session`). `LockDelay` is nanoseconds; `TTL` is the text the client sent. */
export interface Session extends RaftIndexes {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: SessionBehavior;
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: ServiceCheckRef[] | null;
}

/** Serf member status numbers (`serf.MemberStatus`). */
export const MemberStatus = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

/** A gossip member as `/v1/agent/members` shows it. */
export interface Member {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: MemberStatus;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

/** A user event (`/v1/event/fire`). */
export interface UserEvent {
  ID: string;
  Name: string;
  Payload: Uint8Array | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

/** The node check every agent registers for itself, driven by gossip. */
export const SERF_HEALTH_CHECK_ID = 'serfHealth';
export const SERF_HEALTH_CHECK_NAME = 'Serf Health Status';

/** The `serfHealth` check of `node` as the leader registers it (Consul's `handleAliveMember`). */
export function serfHealthCheck(
  node: string,
  status: HealthStatus = 'passing',
): Omit<HealthCheck, keyof RaftIndexes> {
  return {
    Node: node,
    CheckID: SERF_HEALTH_CHECK_ID,
    Name: SERF_HEALTH_CHECK_NAME,
    Status: status,
    Notes: '',
    Output: status === 'passing' ? 'Agent alive and reachable' : 'Agent not live or unreachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}
export const NODE_MAINTENANCE_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINTENANCE_CHECK_PREFIX = '_service_maintenance:';
export const CONSUL_SERVICE_NAME = 'consul';
