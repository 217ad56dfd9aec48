/**
 * The local agent's services, checks and TTL check states in `<data-dir>`, laid out as Consul's
 * `agent.go` keeps them (`persistService`, `persistCheck`, `persistCheckState`):
 *
 * - `services/<sha256 hex of the service ID>`: `{"Service": {...}, "Source": "remote"}`
 * - `checks/<sha256 hex of the check ID>`: `{"Check": {...}, "Source": "remote"}`
 * - `checks/state/<sha256 hex of the check ID>`: `{"CheckID", "Status", "Output", "Expires"}`,
 *   `Expires` in wall-clock ms (Consul writes Unix seconds).
 *
 * Only API registrations are kept ("remote" in Consul's words); config files define theirs again.
 * IDs are hashed as UTF-8, so file names are safe whatever the ID holds.
 */

import { createHash } from 'node:crypto';
import {
  closeSync,
  type Dirent,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assert } from '../lib/assert.ts';
import { type HealthCheck, HealthStatus, type NodeService, type RaftIndexes } from '../model/records.ts';
import type { Logger } from '../ports/logger.ts';

// The types of `src/client/local-state-store.ts`, restated here because `src/io` may not import
// `src/client` or `src/state` (.dependency-cruiser.cjs); the test checks that `LocalStateFiles`
// is a `LocalStateStore`.
type ServiceInput = Omit<NodeService, keyof RaftIndexes>;
type CheckInput = Omit<HealthCheck, keyof RaftIndexes>;
interface PersistedCheckState {
  status: HealthStatus;
  output: string;
  expiresWallMs: number;
}
interface PersistedLocalState {
  services: ServiceInput[];
  checks: CheckInput[];
  checkStates: Map<string, PersistedCheckState>;
}

/** Definitions may carry tokens one day: only the agent's user may read them. */
const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;
const TEMPORARY_SUFFIX = '.tmp';
const SOURCE_REMOTE = 'remote';
/** A file larger than this is not one of ours (a TTL check's output is cut at `OutputMaxSize`). */
export const MAX_LOCAL_STATE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * `LocalStateStore` on files under the agent's data directory.
 *
 * Saves and removals are durable when they return: a save writes `<file>.tmp`, fsyncs it, renames
 * it over `<file>` and fsyncs the directory; directories it creates are fsynced into their
 * parents. File-system errors are thrown as node's own (with their `code`). Removing what is not
 * there is not an error.
 *
 * `load` creates nothing. It deletes `*.tmp` files (saves a crash interrupted: the target still
 * holds the previous version) and skips, with a warning naming the file and the reason but never
 * its contents, any file it cannot read, that is not JSON of the expected shape, or whose name is
 * not the hash of the ID inside. Skipped files are left in place for the operator. Check states
 * of checks that were not loaded are ignored. Failing to list a folder that exists is thrown,
 * as Consul refuses to start then.
 */
export class LocalStateFiles {
  private readonly servicesDirectory: string;
  private readonly checksDirectory: string;
  private readonly checkStatesDirectory: string;

  constructor(
    directory: string,
    private readonly logger: Logger,
  ) {
    const root = resolve(directory);
    this.servicesDirectory = join(root, 'services');
    this.checksDirectory = join(root, 'checks');
    this.checkStatesDirectory = join(root, 'checks', 'state');
  }

  load(): PersistedLocalState {
    const services = this.loadFiles(this.servicesDirectory, 'service', parseServiceFile);
    const checks = this.loadFiles(this.checksDirectory, 'check', parseCheckFile);
    const checkIds = new Set(checks.map((check) => check.CheckID));
    const checkStates = new Map<string, PersistedCheckState>();
    for (const { checkId, state } of this.loadFiles(
      this.checkStatesDirectory,
      'check state',
      parseStateFile,
    )) {
      if (checkIds.has(checkId)) checkStates.set(checkId, state);
      else
        this.logger.debug(
          { file: join(this.checkStatesDirectory, fileName(checkId)) },
          'Ignoring the state of a check that is not registered',
        );
    }
    return {
      services: services.sort((a, b) => compareIds(a.ID, b.ID)),
      checks: checks.sort((a, b) => compareIds(a.CheckID, b.CheckID)),
      checkStates,
    };
  }

  saveService(service: ServiceInput): void {
    assert(service.ID !== '', 'a persisted service has an ID');
    this.writeDurably(this.servicesDirectory, fileName(service.ID), {
      Service: service,
      Source: SOURCE_REMOTE,
    });
  }

  removeService(id: string): void {
    this.removeDurably(this.servicesDirectory, fileName(id));
  }

  saveCheck(check: CheckInput): void {
    assert(check.CheckID !== '', 'a persisted check has an ID');
    this.writeDurably(this.checksDirectory, fileName(check.CheckID), { Check: check, Source: SOURCE_REMOTE });
  }

  removeCheck(id: string): void {
    this.removeDurably(this.checksDirectory, fileName(id));
  }

  saveCheckState(id: string, state: PersistedCheckState): void {
    assert(id !== '', 'a persisted check state has a check ID');
    assert(Number.isFinite(state.expiresWallMs), 'a check state expires at a finite time');
    this.writeDurably(this.checkStatesDirectory, fileName(id), {
      CheckID: id,
      Status: state.status,
      Output: state.output,
      Expires: state.expiresWallMs,
    });
  }

  removeCheckState(id: string): void {
    this.removeDurably(this.checkStatesDirectory, fileName(id));
  }

  private writeDurably(directory: string, name: string, content: object): void {
    this.ensureDirectory(directory);
    const target = join(directory, name);
    const temporary = target + TEMPORARY_SUFFIX;
    const bytes = Buffer.from(JSON.stringify(content), 'utf8');
    const descriptor = openSync(temporary, 'w', FILE_MODE);
    let synced = false;
    try {
      // writeSync may write less than asked; a full disk reports ENOSPC on the next call.
      for (let written = 0; written < bytes.length; ) {
        written += writeSync(descriptor, bytes, written, bytes.length - written);
      }
      fsyncSync(descriptor);
      synced = true;
    } finally {
      closeSync(descriptor);
      if (!synced) rmSync(temporary, { force: true });
    }
    renameSync(temporary, target);
    syncDirectory(directory);
  }

  private removeDurably(directory: string, name: string): void {
    try {
      unlinkSync(join(directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    syncDirectory(directory);
  }

  /** Creates `directory` and its missing parents, and fsyncs each new entry into its parent. */
  private ensureDirectory(directory: string): void {
    const firstCreated = mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
    if (firstCreated === undefined) return;
    for (let path = directory; ; path = dirname(path)) {
      syncDirectory(dirname(path));
      if (path === firstCreated || path === dirname(path)) return;
    }
  }

  /** The parsed files of one directory, in no particular order; see the class comment for what is skipped. */
  private loadFiles<T>(directory: string, kind: string, parse: (json: unknown) => Parsed<T>): T[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const loaded: T[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) continue; // checks/state inside checks
      const file = join(directory, entry.name);
      if (entry.name.endsWith(TEMPORARY_SUFFIX)) {
        rmSync(file, { force: true });
        this.logger.warn({ file }, 'Removed a temporary file left by an interrupted save');
        continue;
      }
      const result = readJson(file);
      const parsed = 'reason' in result ? result : parse(result.json);
      if ('reason' in parsed) {
        this.logger.warn({ file, reason: parsed.reason }, `Skipping a ${kind} file that cannot be loaded`);
        continue;
      }
      if (fileName(parsed.id) !== entry.name) {
        this.logger.warn(
          { file, reason: 'the file name is not the SHA-256 hex of the ID it holds' },
          `Skipping a ${kind} file that cannot be loaded`,
        );
        continue;
      }
      loaded.push(parsed.value);
    }
    return loaded;
  }
}

type Parsed<T> = { id: string; value: T } | { reason: string };

/** The file name of an ID: SHA-256 of its UTF-8 bytes in hex, as Consul's `StringHashSHA256`. */
function fileName(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function syncDirectory(directory: string): void {
  const descriptor = openSync(directory, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** The reasons never quote the file: V8's JSON errors can include a piece of it, which may be a secret. */
function readJson(file: string): { json: unknown } | { reason: string } {
  let text: string;
  try {
    if (statSync(file).size > MAX_LOCAL_STATE_FILE_BYTES) {
      return { reason: `larger than ${MAX_LOCAL_STATE_FILE_BYTES} bytes` };
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { reason: 'not valid JSON' };
  }
}

function parseServiceFile(json: unknown): Parsed<ServiceInput> {
  const problem =
    wrapperProblem(json, 'Service') ??
    fieldProblem((json as Record<string, unknown>).Service, 'Service', serviceRules);
  if (problem !== undefined) return { reason: problem };
  const service = (json as { Service: ServiceInput }).Service;
  return { id: service.ID, value: service };
}

function parseCheckFile(json: unknown): Parsed<CheckInput> {
  const problem =
    wrapperProblem(json, 'Check') ??
    fieldProblem((json as Record<string, unknown>).Check, 'Check', checkRules);
  if (problem !== undefined) return { reason: problem };
  const check = (json as { Check: CheckInput }).Check;
  return { id: check.CheckID, value: check };
}

function parseStateFile(json: unknown): Parsed<{ checkId: string; state: PersistedCheckState }> {
  const problem = fieldProblem(json, 'the file', stateRules);
  if (problem !== undefined) return { reason: problem };
  const { CheckID, Status, Output, Expires } = json as {
    CheckID: string;
    Status: HealthStatus;
    Output: string;
    Expires: number;
  };
  return {
    id: CheckID,
    value: { checkId: CheckID, state: { status: Status, output: Output, expiresWallMs: Expires } },
  };
}

function wrapperProblem(json: unknown, key: string): string | undefined {
  if (!isObject(json)) return 'expected a JSON object';
  if (json.Source !== SOURCE_REMOTE) return `Source: expected "${SOURCE_REMOTE}"`;
  if (!(key in json)) return `expected a "${key}" field`;
  return undefined;
}

interface FieldRule {
  field: string;
  /** Said after "expected". */
  expected: string;
  test: (value: unknown) => boolean;
  optional?: boolean;
}

/** The first field of `value` that breaks a rule, as `<where>.<field>: expected <what>`. */
function fieldProblem(value: unknown, where: string, rules: readonly FieldRule[]): string | undefined {
  if (!isObject(value)) return `${where}: expected an object`;
  for (const rule of rules) {
    const field = value[rule.field];
    if (field === undefined && rule.optional === true) continue;
    if (!rule.test(field)) return `${where}.${rule.field}: expected ${rule.expected}`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isString = (value: unknown) => typeof value === 'string';
const isNonEmptyString = (value: unknown) => typeof value === 'string' && value !== '';
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isStringArray = (value: unknown) => Array.isArray(value) && value.every(isString);
const isStringMap = (value: unknown) => isObject(value) && Object.values(value).every(isString);
const isHealthStatus = (value: unknown) => Object.values<unknown>(HealthStatus).includes(value);
const isWeights = (value: unknown) => isObject(value) && isNumber(value.Passing) && isNumber(value.Warning);
const isTaggedAddresses = (value: unknown) =>
  isObject(value) &&
  Object.values(value).every(
    (address) => isObject(address) && isString(address.Address) && isNumber(address.Port),
  );

const string = (field: string): FieldRule => ({ field, expected: 'a string', test: isString });

// Extra fields are kept as they are. A field added to `NodeService` or `HealthCheck` needs a rule
// here, optional (or defaulted by the caller) so that files written before it still load.
const serviceRules: readonly FieldRule[] = [
  { field: 'ID', expected: 'a non-empty string', test: isNonEmptyString },
  string('Service'),
  string('Kind'),
  { field: 'Tags', expected: 'an array of strings', test: isStringArray },
  string('Address'),
  { field: 'Meta', expected: 'a map of strings', test: isStringMap },
  { field: 'Port', expected: 'a number', test: isNumber },
  { field: 'Weights', expected: 'an object with numbers Passing and Warning', test: isWeights },
  { field: 'EnableTagOverride', expected: 'a boolean', test: isBoolean },
  {
    field: 'TaggedAddresses',
    expected: 'a map of objects with Address and Port',
    test: isTaggedAddresses,
    optional: true,
  },
  { ...string('SocketPath'), optional: true },
  { field: 'Proxy', expected: 'an object', test: isObject, optional: true },
  { field: 'Connect', expected: 'an object', test: isObject, optional: true },
];

const checkRules: readonly FieldRule[] = [
  { field: 'CheckID', expected: 'a non-empty string', test: isNonEmptyString },
  string('Node'),
  string('Name'),
  { field: 'Status', expected: 'a health status', test: isHealthStatus },
  string('Notes'),
  string('Output'),
  string('ServiceID'),
  string('ServiceName'),
  { field: 'ServiceTags', expected: 'an array of strings', test: isStringArray },
  string('Type'),
  string('Interval'),
  string('Timeout'),
  { field: 'ExposedPort', expected: 'a number', test: isNumber },
  // Its fields belong to src/health's definition parser; here only that it is there.
  { field: 'Definition', expected: 'an object', test: isObject },
];

const stateRules: readonly FieldRule[] = [
  { field: 'CheckID', expected: 'a non-empty string', test: isNonEmptyString },
  { field: 'Status', expected: 'a health status', test: isHealthStatus },
  string('Output'),
  { field: 'Expires', expected: 'a number (wall-clock ms)', test: isNumber },
];
