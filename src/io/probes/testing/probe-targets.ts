import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Shared pieces of the probe tests: ports, polling, a self-signed certificate. */

const WAIT_MS_MAX = 5000;

/** Polls `predicate` until it holds or 5 s pass; never a fixed sleep. */
export async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Asserts a probe gave up at its timeout: not before, and not much after (a loaded CI machine
 * runs timers late, so the margin is generous; a probe that ignored its deadline would take the
 * target's whole 60 s).
 */
export function assertStoppedAtTimeout(elapsedMs: number, timeoutMs: number): void {
  const lateMsMax = 2000;
  if (elapsedMs < timeoutMs - 10 || elapsedMs > timeoutMs + lateMsMax) {
    throw new Error(
      `expected the probe to stop at its ${timeoutMs} ms timeout, it took ${elapsedMs.toFixed(0)} ms`,
    );
  }
}

/** Starts `server` on 127.0.0.1 on a free port and returns the port. */
export async function listenOnLoopback(server: {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): unknown;
}): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A loopback TCP port with nothing listening: bound once, then released. */
export async function closedTcpPort(): Promise<number> {
  const server: Server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback UDP port with nothing bound: bound once, then released. */
export async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

export interface Certificate {
  key: string;
  cert: string;
}

let cached: Certificate | undefined;

/** Why the TLS tests are skipped when the `openssl` command is missing. */
export const NO_OPENSSL = 'needs the openssl command (Debian package openssl) to make a test certificate';

/**
 * A self-signed P-256 certificate for `localhost` and 127.0.0.1 (one day), made by the `openssl`
 * command once per test process; undefined when openssl is not installed.
 */
export function selfSignedCertificate(): Certificate | undefined {
  if (cached !== undefined) return cached;
  const directory = mkdtempSync(join(tmpdir(), 'cairn-probe-cert-'));
  const keyFile = join(directory, 'key.pem');
  const certFile = join(directory, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    cached = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
    return cached;
  } catch (error) {
    // Under CI the test command installs openssl: its absence is a failure, not a skip.
    if (process.env.CI) throw new Error(`${NO_OPENSSL}: ${String(error)}`);
    return undefined;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
