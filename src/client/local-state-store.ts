import type { HealthStatus } from '../model/records.ts';
import type { CheckInput, ServiceInput } from '../state/catalog.ts';

/** A TTL check's last status, kept so a restart inside the TTL does not flap it (`persistCheckState`). */
export interface PersistedCheckState {
  status: HealthStatus;
  output: string;
  /** Wall-clock ms after which the saved status no longer applies (the TTL would have run out). */
  expiresWallMs: number;
}

export interface PersistedLocalState {
  services: ServiceInput[];
  checks: CheckInput[];
  /** TTL check states by check ID. */
  checkStates: Map<string, PersistedCheckState>;
}

/**
 * Where the local agent keeps the services and checks registered through the API, so that a
 * restarted agent has them again (Consul's `<data-dir>/services`, `checks`, `checks/state`).
 * Definitions from config files are not kept: the files define them again at start.
 *
 * Every save is durable when it returns (written to a temporary file, fsynced, renamed over the
 * old one, directory fsynced): a crash leaves either the old or the new definition, never a torn
 * one. `load` skips (and logs) a file it cannot read or parse rather than refusing to start.
 * `src/io/local-state-files.ts` is the real one.
 */
export interface LocalStateStore {
  load(): PersistedLocalState;
  saveService(service: ServiceInput): void;
  removeService(id: string): void;
  saveCheck(check: CheckInput): void;
  removeCheck(id: string): void;
  saveCheckState(id: string, state: PersistedCheckState): void;
  removeCheckState(id: string): void;
}
