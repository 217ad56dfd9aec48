/**
 * Which agent the CLI talks to, and as whom. Consul's precedence: a flag beats the
 * environment, which beats the default. Cairn reads its own `CAIRN_*` variables first and
 * Consul's after, so existing Consul set-ups work unchanged.
 */

import type { ClientConfig } from '../api-client/client.ts';
import { DEFAULT_ADDRESS } from '../api-client/client.ts';

export interface HttpFlags {
  httpAddr?: string | undefined;
  token?: string | undefined;
  datacenter?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export function resolveClientConfig(flags: HttpFlags, env: Environment): ClientConfig {
  let address = flags.httpAddr || env.CAIRN_HTTP_ADDR || env.CONSUL_HTTP_ADDR || DEFAULT_ADDRESS;
  const ssl = env.CAIRN_HTTP_SSL ?? env.CONSUL_HTTP_SSL;
  if (ssl !== undefined && isGoTrue(ssl) && !/^[a-z]+:\/\//i.test(address)) address = `https://${address}`;
  const token = flags.token || env.CAIRN_HTTP_TOKEN || env.CONSUL_HTTP_TOKEN;
  return {
    address,
    ...(token ? { token } : {}),
    ...(flags.datacenter ? { datacenter: flags.datacenter } : {}),
  };
}

function isGoTrue(text: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text);
}
