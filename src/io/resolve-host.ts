import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * The IP addresses of a join target's host, as memberlist resolves one: an IP literal is itself;
 * a name is looked up (every address it has). Rejects when the name does not resolve.
 */
export async function resolveHost(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true });
  return found.map((entry) => entry.address);
}
