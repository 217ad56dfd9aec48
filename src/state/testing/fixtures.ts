/**
 * Builders for the state-store and FSM tests: the smallest valid catalog and session inputs, each
 * with defaults a test can override field by field, and a counter for watch fires.
 *
 * Usage:
 *
 *     store.transact(1, () =>
 *       store.catalog.register({
 *         node: node('n1'),
 *         skipNodeUpdate: false,
 *         service: service('web1', 'web', { Tags: ['v1'] }),
 *         checks: [check('n1', 'serfHealth'), check('n1', 'service:web1', 'passing', 'web1')],
 *       }),
 *     );
 *     const fired = fireCount(store.sessions.list().watches);
 *     store.transact(2, () => store.sessions.create(session('s1', { NodeChecks: ['serfHealth'] })));
 *     assert.equal(fired(), 1);
 *
 * Test support, not production code.
 */
import type { HealthStatus, Session } from '../../model/records.ts';
import type { CheckInput, NodeInput, ServiceInput } from '../catalog.ts';
import type { WatchSet } from '../watch.ts';

/** What `SessionTable.create` takes: a session before the store stamps its raft indexes. */
export type SessionInput = Omit<Session, 'CreateIndex' | 'ModifyIndex'>;

/** The UTF-8 bytes of `value`, as stored in a KV entry's `Value`. */
export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Node `name` at 10.0.0.1 in dc1, with no ID, tagged addresses or meta. */
export function node(name: string, extra: Partial<NodeInput> = {}): NodeInput {
  return {
    ID: '',
    Node: name,
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: {},
    Meta: {},
    ...extra,
  };
}

/** Service instance `id` of service `name` (default: the same as `id`) on port 80, untagged. */
export function service(id: string, name = id, extra: Partial<ServiceInput> = {}): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: name,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ...extra,
  };
}

/**
 * Check `checkId` (also its name) on node `nodeName`, `passing` unless told; a node check unless
 * `ServiceID` names a service instance.
 */
export function check(
  nodeName: string,
  checkId: string,
  Status: HealthStatus = 'passing',
  ServiceID = '',
  extra: Partial<CheckInput> = {},
): CheckInput {
  return {
    Node: nodeName,
    CheckID: checkId,
    Name: checkId,
    Status,
    Notes: '',
    Output: '',
    ServiceID,
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    ...extra,
  };
}

/**
 * Session `ID` on node n1: unnamed, behavior `release`, no TTL, linked to no checks, with a
 * non-zero lock-delay (1000 ns) so that destroying it while it holds keys reports a lock-delay.
 */
export function session(ID: string, extra: Partial<SessionInput> = {}): SessionInput {
  return {
    ID,
    Name: '',
    Node: 'n1',
    LockDelay: 1000,
    Behavior: 'release',
    TTL: '',
    NodeChecks: [],
    ServiceChecks: null,
    ...extra,
  };
}

/** Subscribes to every watch in `watches`; the returned function says how many times they fired. */
export function fireCount(watches: WatchSet): () => number {
  let count = 0;
  for (const watchable of watches) watchable.subscribe(() => count++);
  return () => count;
}
