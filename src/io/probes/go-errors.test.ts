import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialErrorText, joinHostPort, splitHostPort, tlsErrorText } from './go-errors.ts';

/** An error shaped as Node raises it. */
function nodeError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('Go wording of Node errors', () => {
  it('splits host:port as net.SplitHostPort does', () => {
    assert.deepEqual(splitHostPort('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
    assert.deepEqual(splitHostPort('[::1]:8500'), { host: '::1', port: 8500 });
    assert.deepEqual(splitHostPort('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(splitHostPort('127.0.0.1'), { error: 'address 127.0.0.1: missing port in address' });
    assert.deepEqual(splitHostPort('::1:80'), { error: 'address ::1:80: too many colons in address' });
    assert.deepEqual(splitHostPort('[::1]'), { error: 'address [::1]: missing port in address' });
    assert.deepEqual(splitHostPort('host:http'), { error: 'lookup tcp/http: unknown port' });
    assert.deepEqual(splitHostPort('host:70000'), { error: 'lookup tcp/70000: unknown port' });
  });

  it('joins IPv6 hosts in brackets', () => {
    assert.equal(joinHostPort('::1', 80), '[::1]:80');
    assert.equal(joinHostPort('10.0.0.1', '80'), '10.0.0.1:80');
  });

  it('words dial errors as Go net.OpError', () => {
    const refused = nodeError('connect ECONNREFUSED ::1:81', {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '::1',
      port: 81,
    });
    assert.equal(
      dialErrorText('tcp', 'localhost:81', refused),
      'dial tcp [::1]:81: connect: connection refused',
    );
    const unreachable = nodeError('connect EHOSTUNREACH', { code: 'EHOSTUNREACH', syscall: 'connect' });
    assert.equal(
      dialErrorText('tcp', '10.1.1.1:80', unreachable),
      'dial tcp 10.1.1.1:80: connect: no route to host',
    );
    const unknownHost = nodeError('getaddrinfo ENOTFOUND nosuch.invalid', {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'nosuch.invalid',
    });
    assert.equal(
      dialErrorText('tcp', 'nosuch.invalid:80', unknownHost),
      'dial tcp: lookup nosuch.invalid: no such host',
    );
    // Node's happy-eyeballs failure lists every attempt; Go reports the first.
    const aggregate = new AggregateError([refused], 'all failed');
    assert.equal(
      dialErrorText('tcp', 'localhost:81', aggregate),
      'dial tcp [::1]:81: connect: connection refused',
    );
  });

  it('words certificate failures as Go crypto/tls and x509', () => {
    const selfSigned = nodeError('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal(
      tlsErrorText(selfSigned),
      'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    );
    const expired = nodeError('certificate has expired', { code: 'CERT_HAS_EXPIRED' });
    assert.equal(
      tlsErrorText(expired),
      'tls: failed to verify certificate: x509: certificate has expired or is not yet valid',
    );
    const cert = { subjectaltname: 'DNS:localhost, DNS:example.com, IP Address:127.0.0.1' };
    const wrongName = nodeError('altnames', {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      host: 'other.test',
      cert,
    });
    assert.equal(
      tlsErrorText(wrongName),
      'tls: failed to verify certificate: x509: certificate is valid for localhost, example.com, not other.test',
    );
    const wrongIp = nodeError('altnames', { code: 'ERR_TLS_CERT_ALTNAME_INVALID', host: '10.0.0.1', cert });
    assert.equal(
      tlsErrorText(wrongIp),
      'tls: failed to verify certificate: x509: certificate is valid for 127.0.0.1, not 10.0.0.1',
    );
    const noIp = nodeError('altnames', {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      host: '10.0.0.1',
      cert: { subjectaltname: 'DNS:localhost' },
    });
    assert.equal(
      tlsErrorText(noIp),
      "tls: failed to verify certificate: x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs",
    );
  });

  it('words handshake failures as Go crypto/tls', () => {
    assert.equal(
      tlsErrorText(nodeError('wrong version number', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })),
      'tls: first record does not look like a TLS handshake',
    );
    assert.equal(
      tlsErrorText(nodeError('alert', { code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' })),
      'remote error: tls: no application protocol',
    );
    assert.equal(
      tlsErrorText(nodeError('alert', { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' })),
      'remote error: tls: unknown certificate authority',
    );
    assert.equal(
      tlsErrorText(
        nodeError('Client network socket disconnected before secure TLS connection was established', {
          code: 'ECONNRESET',
        }),
      ),
      'EOF',
    );
  });
});
