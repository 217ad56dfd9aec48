/**
 * Bytes on the wire to and from a set of gossip ports, counted by the kernel: an nftables table
 * with counters on the output hook (root and the `nft` tool needed). Loopback packets pass the
 * output hook once, so each is counted once: UDP by its source port (every datagram an agent
 * sends leaves from its gossip port), TCP by the gossip port at either end (streams are opened
 * from ephemeral ports to a gossip port). Bytes include the IP and UDP/TCP headers, and TCP's
 * handshakes and ACKs.
 *
 * `/proc/<pid>/io` is no substitute: its rchar/wchar count read()/write() only, and both Go and
 * libuv send datagrams with sendto()/sendmsg(), which it misses.
 */
import { spawnSync } from 'node:child_process';

export interface PortTraffic {
  udpBytes: number;
  tcpBytes: number;
  packets: number;
  /** TCP connections opened to the gossip ports (push/pulls, fallback pings, joins). */
  tcpConnections: number;
}

export class PortTrafficCounter {
  private removed = false;
  private readonly removeOnExit = (): void => this.remove();

  private constructor(private readonly table: string) {
    process.on('exit', this.removeOnExit);
  }

  /** Why counting is impossible here, or undefined when it works. */
  static unavailable(): string | undefined {
    if (typeof process.getuid === 'function' && process.getuid() !== 0)
      return 'needs root (nftables counters)';
    const probe = spawnSync('nft', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) return 'needs the nft tool (Debian package nftables)';
    return undefined;
  }

  /** Starts counting traffic on `ports` from zero. */
  static start(ports: readonly number[]): PortTrafficCounter {
    const table = `cairn_bench_gossip_${process.pid}`;
    const set = `{ ${ports.join(', ')} }`;
    const script = [
      `table inet ${table} {`,
      '  chain out {',
      '    type filter hook output priority 0; policy accept;',
      `    udp sport ${set} counter`,
      `    tcp sport ${set} counter`,
      `    tcp dport ${set} counter`,
      // Not traffic: a count of connections opened to the gossip ports (SYN without ACK).
      `    tcp dport ${set} tcp flags & (syn | ack) == syn counter`,
      '  }',
      '}',
    ].join('\n');
    spawnSync('nft', ['delete', 'table', 'inet', table], { encoding: 'utf8' });
    const created = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`nft: could not create the counters: ${created.stderr}`);
    return new PortTrafficCounter(table);
  }

  read(): PortTraffic {
    const listed = spawnSync('nft', ['-j', 'list', 'table', 'inet', this.table], { encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`nft: could not read the counters: ${listed.stderr}`);
    const rules = (JSON.parse(listed.stdout) as { nftables: Array<{ rule?: { expr: unknown[] } }> }).nftables
      .map((entry) => entry.rule)
      .filter((rule) => rule !== undefined);
    const traffic: PortTraffic = { udpBytes: 0, tcpBytes: 0, packets: 0, tcpConnections: 0 };
    for (const rule of rules) {
      const text = JSON.stringify(rule.expr);
      const counter = rule.expr.find(
        (expression): expression is { counter: { packets: number; bytes: number } } =>
          typeof expression === 'object' && expression !== null && 'counter' in expression,
      );
      if (counter === undefined) continue;
      if (text.includes('"flags"')) {
        traffic.tcpConnections += counter.counter.packets;
        continue;
      }
      if (text.includes('"protocol":"udp"')) traffic.udpBytes += counter.counter.bytes;
      else traffic.tcpBytes += counter.counter.bytes;
      traffic.packets += counter.counter.packets;
    }
    return traffic;
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    process.off('exit', this.removeOnExit);
    spawnSync('nft', ['delete', 'table', 'inet', this.table]);
  }
}
