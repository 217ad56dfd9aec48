import { getSystemErrorMap } from 'node:util';
import { isIpAddress } from '../../lib/ip-address.ts';

/**
 * Node's socket and TLS errors in the words Go uses, because a check's output is what Consul's
 * Go agent would have written: `dial tcp 127.0.0.1:1: connect: connection refused`,
 * `tls: failed to verify certificate: x509: certificate signed by unknown authority`.
 */

/** The fields Node puts on its system, DNS and TLS errors (all optional: any value may be thrown). */
export interface NodeErrorFields {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
  host?: string;
  cert?: { subjectaltname?: string };
  rawPacket?: Uint8Array;
}

/** The error's fields; an `AggregateError` (Node tried several addresses) answers with its first error, as Go reports its primary. */
export function nodeErrorFields(error: unknown): NodeErrorFields {
  if (error instanceof AggregateError && error.errors.length > 0) return nodeErrorFields(error.errors[0]);
  if (error instanceof Error) return error as NodeErrorFields;
  return { message: String(error) };
}

/** Go's `net.JoinHostPort`: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's `net.SplitHostPort` for a numeric port; an error is worded as Go's dialer words it after `dial tcp: `. */
export function splitHostPort(address: string): { host: string; port: number } | { error: string } {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return { error: `address ${address}: missing ']' in address` };
    if (address[close + 1] !== ':') return { error: `address ${address}: missing port in address` };
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) return { error: `address ${address}: missing port in address` };
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(':')) return { error: `address ${address}: too many colons in address` };
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) return { error: `lookup tcp/${portText}: unknown port` };
  return { host, port };
}

/** Go's (glibc's) text for the errno values a probe meets; libuv's text for the rest. */
const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EPIPE: 'broken pipe',
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
  EMSGSIZE: 'message too long',
};

export function errnoText(error: NodeErrorFields): string {
  if (error.code !== undefined && GO_ERRNO_TEXT[error.code] !== undefined) return GO_ERRNO_TEXT[error.code]!;
  if (error.errno !== undefined) {
    const known = getSystemErrorMap().get(error.errno);
    if (known !== undefined) return known[1];
  }
  return error.message;
}

/** Go's dial failure: `dial tcp 127.0.0.1:1: connect: connection refused`, `dial tcp: lookup x: no such host`. */
export function dialErrorText(network: 'tcp' | 'udp', address: string, error: unknown): string {
  const fields = nodeErrorFields(error);
  if (fields.syscall === 'getaddrinfo' || fields.code === 'ENOTFOUND') {
    const host = fields.hostname ?? address;
    const why = fields.code === 'ENOTFOUND' ? 'no such host' : errnoText(fields);
    return `dial ${network}: lookup ${host}: ${why}`;
  }
  const where =
    fields.address !== undefined && fields.port !== undefined
      ? joinHostPort(fields.address, fields.port)
      : address;
  return `dial ${network} ${where}: connect: ${errnoText(fields)}`;
}

/** Go's dialer when its deadline passes first. */
export function dialTimeoutText(network: 'tcp' | 'udp', address: string): string {
  return `dial ${network} ${address}: i/o timeout`;
}

/** Go's failed read on an open connection: `read tcp 127.0.0.1:5000->127.0.0.1:80: read: connection reset by peer`. */
export function readErrorText(network: 'tcp' | 'udp', local: string, remote: string, error: unknown): string {
  return `read ${network} ${local}->${remote}: read: ${errnoText(nodeErrorFields(error))}`;
}

const UNKNOWN_AUTHORITY = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const VERIFY_FAILED = 'tls: failed to verify certificate:';

/** Go's names for TLS alerts where OpenSSL's differ (the rest are OpenSSL's, in lower case). */
const GO_ALERT_NAME: Record<string, string> = {
  UNKNOWN_CA: 'unknown certificate authority',
  PROTOCOL_VERSION: 'protocol version not supported',
};

/** True for an error raised by the TLS layer (verification, handshake, alert) rather than the socket. */
export function isTlsError(error: unknown): boolean {
  const { code = '', message } = nodeErrorFields(error);
  return (
    UNKNOWN_AUTHORITY.has(code) ||
    EXPIRED.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('CERT_') ||
    message.includes('before secure TLS connection was established')
  );
}

/** Go's crypto/tls wording for a failed handshake. */
export function tlsErrorText(error: unknown): string {
  const fields = nodeErrorFields(error);
  const code = fields.code ?? '';
  if (UNKNOWN_AUTHORITY.has(code)) return `${VERIFY_FAILED} x509: certificate signed by unknown authority`;
  if (EXPIRED.has(code)) return `${VERIFY_FAILED} x509: certificate has expired or is not yet valid`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${VERIFY_FAILED} ${nameMismatchText(fields)}`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'tls: first record does not look like a TLS handshake';
  const alert = /^ERR_SSL_(?:TLSV1|SSLV3)_ALERT_(.+)$/.exec(code)?.[1];
  if (alert !== undefined) {
    return `remote error: tls: ${GO_ALERT_NAME[alert] ?? alert.toLowerCase().replaceAll('_', ' ')}`;
  }
  // The peer closed during the handshake: Go's handshake read meets EOF.
  if (fields.message.includes('before secure TLS connection was established')) return 'EOF';
  return `tls: ${fields.message}`;
}

/** Go's x509 `HostnameError` text from the names the certificate holds. */
function nameMismatchText(fields: NodeErrorFields): string {
  const host = fields.host ?? '';
  const names = (fields.cert?.subjectaltname ?? '').split(', ').filter((name) => name !== '');
  if (isIpAddress(host)) {
    const ips = names.filter((name) => name.startsWith('IP Address:')).map((name) => name.slice(11));
    if (ips.length === 0)
      return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${ips.join(', ')}, not ${host}`;
  }
  const dnsNames = names.filter((name) => name.startsWith('DNS:')).map((name) => name.slice(4));
  if (dnsNames.length === 0) return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  return `x509: certificate is valid for ${dnsNames.join(', ')}, not ${host}`;
}

/**
 * What Go's http2 framer says of a peer whose first bytes are not an HTTP/2 frame: in practice an
 * HTTP/1 server answering "HTTP/1.1 400 …", which it reads as a frame header of a huge length.
 */
export const HTTP2_PEER_NOT_HTTP2 =
  'http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header';
