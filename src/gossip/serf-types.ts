/**
 * The public records of the serf layer (`Serf` in serf.ts re-exports them). They live apart from
 * serf.ts so the serf layer's internal files (member table, queries, key manager) can use them
 * without importing the class that imports them.
 */

export type SerfMemberStatus = 'alive' | 'leaving' | 'left' | 'failed';

/** A member as serf shows it (`serf members`, `/v1/agent/members`). */
export interface SerfMember {
  name: string;
  host: string;
  port: number;
  tags: Record<string, string>;
  status: SerfMemberStatus;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** A query this node received and may answer once, before its deadline. */
export interface IncomingQuery {
  name: string;
  payload: Uint8Array | null;
  lTime: number;
  sourceNode: string;
  /** Sends the response; throws when already answered, too late or too large. */
  respond(payload: Uint8Array): void;
}

export type MemberEventType =
  | 'member-join'
  | 'member-leave'
  | 'member-failed'
  | 'member-update'
  | 'member-reap';

export type SerfEvent =
  | { type: MemberEventType; members: SerfMember[] }
  | { type: 'user'; lTime: number; name: string; payload: Uint8Array; coalesce: boolean }
  | { type: 'query'; query: IncomingQuery };

export interface QueryParams {
  /** Only these nodes answer. */
  filterNodes?: string[];
  /** tag → Go regexp every answering node's tag must match. */
  filterTags?: Record<string, string>;
  requestAck?: boolean;
  relayFactor?: number;
  /** Default `gossipInterval × 16 × ceil(log10(n + 1))`. */
  timeoutMs?: number;
}

/** Acks and responses to a query, as they arrive; `done` resolves at the deadline. */
export interface QueryHandle {
  readonly acks: Set<string>;
  readonly responses: Map<string, Uint8Array | null>;
  onAck(listener: (from: string) => void): void;
  onResponse(listener: (from: string, payload: Uint8Array | null) => void): void;
  readonly done: Promise<void>;
}

/** Cluster-wide key operation result (serf `KeyResponse`). */
export interface KeyOperationResult {
  numNodes: number;
  numResponses: number;
  numErrors: number;
  /** node → error message */
  messages: Map<string, string>;
  /** base64 key → how many nodes have it */
  keys: Map<string, number>;
  /** base64 key → how many nodes use it as primary */
  primaryKeys: Map<string, number>;
  /**
   * serf's verdict when the operation did not succeed everywhere: "N/M nodes reported failure"
   * (some node answered with an error) or "N/M nodes reported success" (some node did not
   * answer before the deadline). Absent on full success.
   */
  error?: string;
}
