import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The node ID kept in `<data-dir>/node-id`, as Consul's `setupNodeID` keeps it: read if present,
 * else `generate()`d and written, so a restarted agent keeps its identity.
 */
export function loadOrCreateNodeId(dataDir: string, generate: () => string): string {
  const path = join(dataDir, 'node-id');
  if (existsSync(path)) {
    const id = readFileSync(path, 'utf8').trim();
    if (!UUID.test(id)) throw new Error(`node ID "${id}" in ${path} is not a valid UUID`);
    return id.toLowerCase();
  }
  const id = generate();
  writeFileSync(path, id, { mode: 0o600 });
  return id;
}

/** RFC 1918 and RFC 6598 ranges, as Consul's go-sockaddr `GetPrivateIP` considers private. */
function isPrivateIPv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/**
 * The address to advertise when binding a wildcard: the machine's one private IPv4, as Consul
 * picks it. Several candidates are an error, with Consul's advice to choose one.
 */
export function privateIPv4(): string {
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter(
      (info) => info !== undefined && info.family === 'IPv4' && !info.internal && isPrivateIPv4(info.address),
    )
    .map((info) => info!.address);
  const unique = [...new Set(candidates)];
  if (unique.length === 0)
    throw new Error("No private IPv4 address found; configure one with 'bind' and/or 'advertise'");
  if (unique.length > 1) {
    throw new Error(
      `Multiple private IPv4 addresses found (${unique.join(', ')}). Please configure one with 'bind' and/or 'advertise'.`,
    );
  }
  return unique[0]!;
}
