import { InternalQuery } from './internal-query.ts';
import type { KeyOperationResult, QueryHandle } from './serf-types.ts';
import { decodeKeyResponse, encodeKeyRequest, SerfMessageType } from './serf-wire.ts';

/**
 * Cluster-wide keyring operations (serf's KeyManager; reference §10): each runs an internal
 * query that every node answers with `[8]{Keys, Message, PrimaryKey, Result}`, and the answers
 * are tallied against the number of live members. It resolves as soon as every live member has
 * answered, otherwise at the query deadline; a result whose `error` is set did not succeed
 * everywhere. Operations run one at a time, as serf's lock makes them.
 */

export interface KeyManagerHost {
  query(name: string, payload: Uint8Array | null): QueryHandle;
  /** Members not dead or left, this node included (memberlist NumMembers). */
  numNodes(): number;
}

export class KeyManager {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: KeyManagerHost) {}

  install(key: Uint8Array): Promise<KeyOperationResult> {
    return this.serialize(() => this.run(InternalQuery.installKey, key));
  }

  use(key: Uint8Array): Promise<KeyOperationResult> {
    return this.serialize(() => this.run(InternalQuery.useKey, key));
  }

  remove(key: Uint8Array): Promise<KeyOperationResult> {
    return this.serialize(() => this.run(InternalQuery.removeKey, key));
  }

  list(): Promise<KeyOperationResult> {
    return this.serialize(() => this.run(InternalQuery.listKeys, null));
  }

  private serialize(operation: () => Promise<KeyOperationResult>): Promise<KeyOperationResult> {
    const result = this.tail.then(operation, operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private run(name: string, key: Uint8Array | null): Promise<KeyOperationResult> {
    const handle = this.host.query(name, encodeKeyRequest({ key }));
    const result = emptyKeyResult(this.host.numNodes());
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        resolve(withVerdict(result));
      };
      handle.onResponse((from, payload) => {
        if (settled) return;
        tallyKeyResponse(result, from, payload);
        if (result.numResponses >= result.numNodes) settle();
      });
      void handle.done.then(settle);
    });
  }
}

export function emptyKeyResult(numNodes: number): KeyOperationResult {
  return {
    numNodes,
    numResponses: 0,
    numErrors: 0,
    messages: new Map(),
    keys: new Map(),
    primaryKeys: new Map(),
  };
}

/** Adds one node's answer to the tally (serf's streamKeyResp rules). */
export function tallyKeyResponse(result: KeyOperationResult, from: string, payload: Uint8Array | null): void {
  result.numResponses += 1;
  if (payload === null || payload.length < 1 || payload[0] !== SerfMessageType.keyResponse) {
    result.messages.set(from, `Invalid key query response type: ${describeBytes(payload)}`);
    result.numErrors += 1;
    return;
  }
  let response: ReturnType<typeof decodeKeyResponse>;
  try {
    response = decodeKeyResponse(payload);
  } catch {
    result.messages.set(from, `Failed to decode key query response: ${describeBytes(payload)}`);
    result.numErrors += 1;
    return;
  }
  if (!response.result) {
    result.messages.set(from, response.message);
    result.numErrors += 1;
  } else if (response.message !== '') {
    result.messages.set(from, response.message);
  }
  for (const key of response.keys) result.keys.set(key, (result.keys.get(key) ?? 0) + 1);
  if (response.primaryKey !== '')
    result.primaryKeys.set(response.primaryKey, (result.primaryKeys.get(response.primaryKey) ?? 0) + 1);
}

/** serf's verdict: any error → "N/M nodes reported failure"; missing answers → "N/M nodes reported success". */
export function withVerdict(result: KeyOperationResult): KeyOperationResult {
  if (result.numErrors !== 0)
    return { ...result, error: `${result.numErrors}/${result.numNodes} nodes reported failure` };
  if (result.numResponses !== result.numNodes)
    return { ...result, error: `${result.numResponses}/${result.numNodes} nodes reported success` };
  return result;
}

function describeBytes(payload: Uint8Array | null): string {
  return payload === null ? '[]' : `[${[...payload.subarray(0, 32)].join(' ')}]`;
}
