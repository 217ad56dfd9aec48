// Debian packages the full test suite needs, installed when missing and we are root (CI, a fresh
// Debian machine); otherwise named, so the tests that need them fail saying exactly what to do.
import { spawnSync } from 'node:child_process';

/** package → why the tests need it */
export const TEST_PACKAGES = {
  'python3-consul':
    'python-consul 0.7.1, the client Debian’s Patroni uses, as a real test client (test/python-consul.test.ts)',
  serf: 'the real serf 0.9.4 agent as the gossip interop oracle (test/gossip/serf-interop.test.ts) and bench:gossip',
  openssl: 'self-signed certificates for the TLS health-check probe tests (src/io/probes)',
  'bind9-dnsutils': 'dig, the real DNS client of the DNS end-to-end tests (test/dns.test.ts)',
  haproxy:
    'HAProxy 2.6, a real DNS client: its resolvers fill a server-template from SRV answers (test/haproxy-dns.test.ts)',
  chromium:
    'headless Chromium, driven by playwright-core, for the web UI browser tests (test/ui.test.ts), scripts/ui-screenshots.ts and bench:ui',
};

function installed(name) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a JS template.
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout.includes(
    'install ok installed',
  );
}

export function ensureTestPackages() {
  const missing = Object.keys(TEST_PACKAGES).filter((name) => !installed(name));
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('which', ['apt-get']).status === 0;
  if (!root || !hasApt) {
    for (const name of missing) console.error(`missing Debian package ${name}: ${TEST_PACKAGES[name]}`);
    console.error(`install with: sudo apt-get install -y ${missing.join(' ')}`);
    return;
  }
  console.log(`installing Debian packages for the tests: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0)
    console.error(`apt-get install ${missing.join(' ')} failed; the tests that need them will say so`);
}
