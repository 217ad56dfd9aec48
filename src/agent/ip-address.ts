/**
 * IP address text checks for bind/advertise settings, without `node:net` (config is pure).
 * Accepts what Go's `net.ParseIP` accepts for the forms operators write: dotted-quad IPv4,
 * RFC 4291 IPv6 text (with `::` and an optional trailing IPv4), and Consul's `[::]`.
 */

const ipv4Part = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4 = new RegExp(`^${ipv4Part}(\\.${ipv4Part}){3}$`);
const hextet = /^[0-9a-fA-F]{1,4}$/;

export function isIpv4Address(text: string): boolean {
  return ipv4.test(text);
}

export function isIpv6Address(text: string): boolean {
  const unbracketed = text === '[::]' ? '::' : text;
  const halves = unbracketed.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  // A trailing dotted-quad stands for the last two groups.
  let count = all.length;
  const last = all.at(-1);
  if (last?.includes('.')) {
    if (!isIpv4Address(last)) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((group) => hextet.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIpAddress(text: string): boolean {
  return isIpv4Address(text) || isIpv6Address(text);
}

/** The wildcard addresses Consul refuses to advertise: 0.0.0.0, :: and [::]. */
export function isAnyAddress(text: string): boolean {
  if (text === '0.0.0.0' || text === '[::]') return true;
  return isIpv6Address(text) && /^[0:]+$/.test(text);
}
