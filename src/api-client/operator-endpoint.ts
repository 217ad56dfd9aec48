/**
 * `/v1/operator/*`: the Raft configuration, and the gossip encryption keys of every pool the
 * agent is in.
 */

import type { HttpTransport } from './http-transport.ts';
import type { QueryParameters } from './query.ts';
import type { KeyringResponse, RaftConfiguration } from './types.ts';

export interface KeyringOptions {
  /** Nodes relay their answers through this many others (0–5). */
  relayFactor?: number;
  /** List only this agent's own keys (GET only). */
  localOnly?: boolean;
  signal?: AbortSignal;
}

export class OperatorEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /** The Raft servers, which one leads, and the index of the configuration. */
  raftConfiguration(options: { stale?: boolean; signal?: AbortSignal } = {}): Promise<RaftConfiguration> {
    const query: QueryParameters = options.stale ? [['stale', '']] : [];
    return this.http.json({
      method: 'GET',
      path: '/v1/operator/raft/configuration',
      query,
      signal: options.signal,
    });
  }

  /** One response per pool (WAN first on a server), each with key → nodes holding it. */
  async keyringList(options: KeyringOptions = {}): Promise<KeyringResponse[]> {
    const query = keyringQuery(options);
    if (options.localOnly) query.push(['local-only', 'true']);
    return (
      (await this.http.json<KeyringResponse[] | null>({
        method: 'GET',
        path: '/v1/operator/keyring',
        query,
        signal: options.signal,
      })) ?? []
    );
  }

  /** Installs a base64 key on every node, without making it primary. */
  keyringInstall(key: string, options: KeyringOptions = {}): Promise<void> {
    return this.keyringWrite('POST', key, options);
  }

  /** Makes an installed key the primary (encrypting) key everywhere. */
  keyringUse(key: string, options: KeyringOptions = {}): Promise<void> {
    return this.keyringWrite('PUT', key, options);
  }

  /** Removes a key that is not primary from every node. */
  keyringRemove(key: string, options: KeyringOptions = {}): Promise<void> {
    return this.keyringWrite('DELETE', key, options);
  }

  private keyringWrite(
    method: 'POST' | 'PUT' | 'DELETE',
    key: string,
    options: KeyringOptions,
  ): Promise<void> {
    return this.http.discard({
      method,
      path: '/v1/operator/keyring',
      query: keyringQuery(options),
      body: { Key: key },
      signal: options.signal,
    });
  }
}

function keyringQuery(options: KeyringOptions): QueryParameters {
  return options.relayFactor ? [['relay-factor', String(options.relayFactor)]] : [];
}
