import type { LocalAgent } from '../client/local-agent.ts';
import type { Member, UserEvent } from '../model/records.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { UiFiles } from '../ports/ui.ts';
import type { Server } from '../server/server.ts';
import type { AnswerCache } from './answer-cache.ts';

/** Settings the HTTP layer reads, taken from the runtime config by the composition root. */
export interface HttpConfig {
  datacenter: string;
  primaryDatacenter: string;
  nodeName: string;
  nodeId: string;
  server: boolean;
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
  /** `kv_max_value_size`, 512 KiB by default. */
  kvMaxValueBytes: number;
  /** `txn_max_req_len`. */
  txnMaxRequestBytes: number;
  /** Most operations in one `/v1/txn`. */
  txnMaxOps: number;
  sessionTtlMinNs: number;
  sessionTtlMaxNs: number;
  enableScriptChecks: boolean;
}

/** What only the running agent knows: itself, gossip membership, events, metrics, lifecycle. */
export interface AgentSurface {
  /** `/v1/agent/self` body. */
  self(): Record<string, unknown>;
  members(wan: boolean): Member[];
  join(address: string, wan: boolean): Promise<void>;
  forceLeave(node: string, options: { prune: boolean; wan: boolean }): Promise<void>;
  /** Graceful leave, then the agent shuts down. */
  leave(): Promise<void>;
  reload(): Promise<void>;
  fireEvent(event: Omit<UserEvent, 'ID' | 'LTime' | 'Version'>): Promise<UserEvent>;
  /** Newest last, at most 256. */
  events(): { events: UserEvent[]; watch: (listener: () => void) => () => void };
  metrics(): Promise<{ json: unknown; prometheus: string; contentType: string }>;
  /**
   * `/v1/operator/keyring`: a gossip key operation on every pool this agent is in (WAN first),
   * one response each; `key` is base64 (install, use, remove).
   */
  keyring(operation: KeyringOperation, key?: string): Promise<KeyringResponse[]>;
}

export type KeyringOperation = 'list' | 'install' | 'use' | 'remove';

/** One pool's answer to a keyring operation (Consul's `structs.KeyringResponse`). */
export interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  /** node → error message */
  Messages: Record<string, string>;
  /** base64 key → nodes holding it */
  Keys: Record<string, number>;
  /** base64 key → nodes using it as primary */
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
  /** '' when the operation succeeded on the pool. */
  Error: string;
}

/** The web UI, served when `ui_config.enabled` (or `ui_config.dir`) is set. */
export interface WebUi {
  /** `ui_config.content_path`, with a leading and a trailing slash (`/ui/`). */
  contentPath: string;
  files: UiFiles;
}

/** Counters the HTTP layer keeps, exported through the agent's metrics. */
export interface HttpStats {
  blockingQueries: number;
}

/** Everything a handler may use. Built once by `createAgent`. */
export interface HttpContext {
  config: HttpConfig;
  server: Server;
  local: LocalAgent;
  agent: AgentSurface;
  clock: Clock;
  random: Random;
  logger: Logger;
  stats: HttpStats;
  /** Encoded answers of expensive reads (`/v1/health/service`), per agent. */
  answers: AnswerCache;
  /** Absent when the UI is off: `/` then says so. */
  ui?: WebUi;
}
