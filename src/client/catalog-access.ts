import type { CheckInput, Registration } from '../state/catalog.ts';
import type { RemoteNodeState } from './anti-entropy.ts';

/**
 * Where the local agent writes its services and checks: the catalog's write path. Declared here
 * by its user; `Server` satisfies it structurally (and a client agent's forwarding RPC will).
 */
export interface CatalogWriter {
  register(registration: Registration): Promise<void>;
  deregister(node: string, serviceId: string, checkId: string): Promise<void>;
}

/**
 * What the local agent reads from the catalog: its own node's entries for anti-entropy, and
 * another node's checks for alias checks. Both reject when no server can answer (no leader,
 * no servers), with the error the agent logs.
 */
export interface CatalogReader {
  /** This node as the servers hold it now (a leader read). */
  nodeState(node: string): Promise<RemoteNodeState>;
  /**
   * `node`'s checks and service IDs once their index passes `minIndex` (a blocking query; 0
   * answers at once), with the index to block on next. Resolves when `signal` aborts.
   */
  nodeChecks(
    node: string,
    minIndex: number,
    signal: AbortSignal,
  ): Promise<{ checks: CheckInput[]; serviceIds: string[]; index: number }>;
}
