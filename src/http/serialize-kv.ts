/**
 * Hand-built JSON for KV entries and sessions, in the field order of Consul's Go structs
 * (`structs.DirEntry`, `structs.Session`), so bodies match Consul's byte for byte where clients
 * might compare them. KV reads are the benchmark's hot path: entries are concatenated directly,
 * with `JSON.stringify` only for strings.
 */
import type { KvEntry, Session } from '../model/records.ts';
import { SERF_HEALTH_CHECK_ID } from '../model/records.ts';

/** Standard padded base64 (Go's `StdEncoding`, which `encoding/json` uses for `[]byte`). */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * One entry: `{"LockIndex","Key","Flags","Value","Session","CreateIndex","ModifyIndex"}`.
 * `Value` is base64 or `null` (nil, distinct from empty); `Session` is omitted when unlocked
 * (`omitempty`).
 */
export function kvEntryJson(entry: KvEntry): string {
  const value = entry.Value === null ? 'null' : `"${base64(entry.Value)}"`;
  const session = entry.Session === '' ? '' : `,"Session":${JSON.stringify(entry.Session)}`;
  return `{"LockIndex":${entry.LockIndex},"Key":${JSON.stringify(entry.Key)},"Flags":${entry.Flags},"Value":${value}${session},"CreateIndex":${entry.CreateIndex},"ModifyIndex":${entry.ModifyIndex}}`;
}

/** A JSON array of entries (every KV read answers an array, even for one key). */
export function kvEntriesJson(entries: readonly KvEntry[]): string {
  let text = '[';
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) text += ',';
    text += kvEntryJson(entries[i]!);
  }
  return `${text}]`;
}

/** `true` when the session's node checks are exactly Consul's default, `["serfHealth"]`. */
function onlySerfHealth(checks: readonly string[]): boolean {
  return checks.length === 1 && checks[0] === SERF_HEALTH_CHECK_ID;
}

/**
 * A session as `structs.Session` marshals: `LockDelay` in integer nanoseconds, `TTL` as sent,
 * `ServiceChecks` null when none were given. The deprecated `Checks` (`omitempty`) is shown for
 * pre-1.7 clients only when the session's checks are something other than the default
 * `["serfHealth"]` (Consul's `fixupEmptySessionChecks` clears the default and keeps the rest).
 */
export function sessionJson(session: Session): Record<string, unknown> {
  const checks = session.NodeChecks;
  return {
    ID: session.ID,
    Name: session.Name,
    Node: session.Node,
    LockDelay: session.LockDelay,
    Behavior: session.Behavior,
    TTL: session.TTL,
    NodeChecks: checks,
    ServiceChecks: session.ServiceChecks,
    ...(checks.length > 0 && !onlySerfHealth(checks) ? { Checks: checks } : {}),
    CreateIndex: session.CreateIndex,
    ModifyIndex: session.ModifyIndex,
  };
}

/** A JSON array of sessions (`[]` when there are none, never null). */
export function sessionsJson(sessions: readonly Session[]): string {
  return JSON.stringify(sessions.map(sessionJson));
}
