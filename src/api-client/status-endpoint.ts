/** `/v1/status/*`: the Raft leader and peers, as `host:port` of their server RPC listeners. */

import type { HttpTransport } from './http-transport.ts';

export class StatusEndpoint {
  constructor(private readonly http: HttpTransport) {}

  /** `""` while there is no leader. */
  leader(options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.http.json({ method: 'GET', path: '/v1/status/leader', signal: options.signal });
  }

  peers(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.http.json({ method: 'GET', path: '/v1/status/peers', signal: options.signal });
  }
}
