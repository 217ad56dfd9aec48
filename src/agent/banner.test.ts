import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBanner } from './banner.ts';
import { completeConfig, defaultConfig, devDefaults, mergeConfig, type PartialConfig } from './config.ts';

function configWith(...layers: PartialConfig[]) {
  return completeConfig(mergeConfig(defaultConfig(), { nodeName: 'node1' }, ...layers)).config;
}

describe('formatBanner', () => {
  it("prints Consul's start banner for a dev server", () => {
    const banner = formatBanner({
      config: configWith(devDefaults),
      version: '0.1.0',
      buildDate: '2025-01-02 03:04:05 +0000 UTC',
      nodeId: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e',
    });
    assert.equal(
      banner,
      [
        '==> Starting Cairn agent...',
        "              Version: '0.1.0'",
        "           Build Date: '2025-01-02 03:04:05 +0000 UTC'",
        "              Node ID: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e'",
        "            Node name: 'node1'",
        "           Datacenter: 'dc1' (Segment: '<all>')",
        '               Server: true (Bootstrap: true)',
        '          Client Addr: [127.0.0.1] (HTTP: 8500, HTTPS: -1, gRPC: -1, gRPC-TLS: -1, DNS: 8600)',
        '         Cluster Addr: 127.0.0.1 (LAN: 8301, WAN: 8302)',
        '    Gossip Encryption: false',
        '     Auto-Encrypt-TLS: false',
        '          ACL Enabled: false',
        '',
        '==> Log data will now stream in as it occurs:',
        '',
        '',
      ].join('\n'),
    );
  });

  it('shows a client, several client addresses, encryption and ACLs', () => {
    const banner = formatBanner({
      config: configWith({
        clientAddr: '127.0.0.2 ::1',
        bindAddr: '0.0.0.0',
        encrypt: 'pUqJrVyVRj5jsiYEkM/tFQ==',
        acl: { enabled: true, defaultPolicy: 'deny' },
        ports: { dns: -1 },
      }),
      version: '0.1.0',
      buildDate: 'today',
      advertiseAddr: '10.1.2.3',
    });
    const lines = banner.split('\n');
    assert.ok(lines.includes("           Datacenter: 'dc1' (Segment: '')"));
    assert.ok(lines.includes('               Server: false (Bootstrap: false)'));
    assert.ok(
      lines.includes(
        '          Client Addr: [127.0.0.2 ::1] (HTTP: 8500, HTTPS: -1, gRPC: -1, gRPC-TLS: -1, DNS: -1)',
      ),
    );
    assert.ok(lines.includes('         Cluster Addr: 10.1.2.3 (LAN: 8301, WAN: 8302)'));
    assert.ok(lines.includes('    Gossip Encryption: true'));
    assert.ok(lines.includes('          ACL Enabled: true'));
    assert.ok(lines.includes('    ACL Default Policy: deny'));
    assert.ok(lines.includes("              Node ID: ''"));
  });
});
