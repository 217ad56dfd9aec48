/**
 * Wire shapes the HTTP API answers with that are not stored records (those live in
 * src/model/records.ts). Field names are Consul's.
 */

import type {
  CatalogNode,
  HealthCheck,
  HealthStatus,
  Member,
  NodeService,
  Weights,
} from '../model/records.ts';

/** `GET /v1/agent/self`. `Stats` is section → key → value text, as `cairn info` prints it. */
export interface AgentSelf {
  Config: AgentConfig;
  DebugConfig: Record<string, unknown>;
  Coord: Record<string, unknown> | null;
  Member: Member;
  Stats: Record<string, Record<string, string>>;
  Meta: Record<string, string>;
}

export interface AgentConfig {
  Datacenter: string;
  PrimaryDatacenter: string;
  NodeName: string;
  NodeID: string;
  Revision: string;
  Server: boolean;
  Version: string;
  [field: string]: unknown;
}

/** An entry of `GET /v1/agent/services`. */
export interface AgentService {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  Weights: Weights;
  EnableTagOverride: boolean;
  Datacenter?: string;
  [field: string]: unknown;
}

/** A check as the agent's local health endpoints show it (`api.HealthCheck`). */
export interface AgentHealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: HealthStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  [field: string]: unknown;
}

/**
 * `GET /v1/agent/health/service/{id,name}/…`: a local service, its checks (the node's included)
 * and their aggregated status, `maintenance` when a maintenance check is among them.
 */
export interface AgentServiceChecksInfo {
  AggregatedStatus: HealthStatus | 'maintenance';
  Service: AgentService;
  Checks: AgentHealthCheck[];
}

/**
 * The body of `PUT /v1/agent/service/register`. The agent reads keys case-insensitively and
 * accepts snake_case, so definitions loaded from files are sent with their keys as written.
 */
export interface ServiceRegistration {
  ID?: string;
  Name?: string;
  Tags?: string[];
  Port?: number;
  Address?: string;
  Meta?: Record<string, string>;
  Kind?: string;
  SocketPath?: string;
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  [field: string]: unknown;
}

/** An entry of `GET /v1/catalog/service/<name>` (`structs.ServiceNode`). */
export interface CatalogServiceNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  NodeMeta: Record<string, string>;
  ServiceKind: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServiceAddress: string;
  ServiceWeights: Weights;
  ServiceMeta: Record<string, string>;
  ServicePort: number;
  ServiceEnableTagOverride: boolean;
  CreateIndex: number;
  ModifyIndex: number;
  [field: string]: unknown;
}

/** `GET /v1/catalog/node/<node>`. */
export interface CatalogNodeServices {
  Node: CatalogNode;
  Services: Record<string, NodeService>;
}

/** An entry of `GET /v1/health/service/<name>`. */
export interface ServiceHealthEntry {
  Node: CatalogNode;
  Service: NodeService;
  Checks: HealthCheck[];
}

/** The body of `PUT /v1/session/create`; every field optional. */
export interface SessionRequest {
  Name?: string;
  Node?: string;
  /** Go duration text (`15s`). */
  LockDelay?: string;
  Behavior?: 'release' | 'delete';
  /** Go duration text (`30s`), 10s…24h. */
  TTL?: string;
  NodeChecks?: string[];
  ServiceChecks?: { ID: string; Namespace?: string }[];
}

/** One pool's entry of `GET /v1/operator/keyring` (Consul's `KeyringResponse`). */
export interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Partition?: string;
  /** node → error message */
  Messages: Record<string, string> | null;
  /** base64 key → number of nodes holding it */
  Keys: Record<string, number> | null;
  /** base64 key → number of nodes using it as primary */
  PrimaryKeys: Record<string, number> | null;
  NumNodes: number;
}

/** One server of `GET /v1/operator/raft/configuration` (Consul's `RaftServer`). */
export interface RaftServerInfo {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion: string;
  LastIndex: number;
}

export interface RaftConfiguration {
  Servers: RaftServerInfo[];
  Index: number;
}
