/**
 * IP address text, read the way Go's `net.ParseIP` reads the forms operators and clients write:
 * dotted-quad IPv4, RFC 4291 IPv6 text (with `::` and an optional trailing dotted quad), and
 * Consul's `[::]`. Pure (no `node:net`), so config validation and the cores can use it.
 */

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const hextet = /^[0-9a-fA-F]{1,4}$/;

export function isIpv4Address(text: string): boolean {
  return ipv4.test(text);
}

/** The eight 16-bit groups of an IPv6 literal, or undefined when `text` is not one. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text === '[::]' ? '::' : text;
  if (!address.includes(':')) return undefined;
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A trailing dotted quad stands for the last two groups.
    if (!isIpv4Address(tail)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    address = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const head = split(halves[0] ?? '');
  const rest = halves.length === 2 ? split(halves[1] ?? '') : [];
  const given = [...head, ...rest];
  if (!given.every((group) => hextet.test(group))) return undefined;
  if (halves.length === 1 ? given.length !== 8 : given.length > 7) return undefined;
  const zeros = new Array<string>(8 - given.length).fill('0');
  return (halves.length === 1 ? given : [...head, ...zeros, ...rest]).map((group) =>
    Number.parseInt(group, 16),
  );
}

export function isIpv6Address(text: string): boolean {
  return ipv6Groups(text) !== undefined;
}

export function isIpAddress(text: string): boolean {
  return isIpv4Address(text) || isIpv6Address(text);
}

/** The wildcard addresses Consul refuses to advertise or register: 0.0.0.0, ::, [::] and spellings of ::. */
export function isAnyAddress(text: string): boolean {
  if (text === '0.0.0.0') return true;
  return ipv6Groups(text)?.every((group) => group === 0) ?? false;
}

/** 4 or 6 for an IP literal as Go's `net.ParseIP` + `To4()` read it (IPv4-mapped is 4), else undefined. */
export function ipFamily(address: string): 4 | 6 | undefined {
  if (isIpv4Address(address)) return 4;
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  return mapped ? 4 : 6;
}

/**
 * The bytes of an IP literal as Go's `net.ParseIP(...).To4()` or the 16-byte form give them: 4
 * for IPv4 and IPv4-mapped IPv6, 16 for other IPv6; undefined when `text` is not an IP literal.
 */
export function ipBytes(text: string): Uint8Array | undefined {
  if (isIpv4Address(text)) return Uint8Array.from(text.split('.').map(Number));
  const groups = ipv6Groups(text);
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return Uint8Array.of(groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff);
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
