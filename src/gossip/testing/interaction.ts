import type { Clock } from '../../ports/clock.ts';
import type {
  GossipAddress,
  GossipTransport,
  GossipTransportHandler,
  StreamRequestOptions,
} from '../../ports/gossip-transport.ts';
import type { Logger } from '../../ports/logger.ts';
import { ManualClock } from '../../sim/manual-clock.ts';
import { SeededRandom } from '../../sim/seeded-random.ts';
import { LOCAL_VSN, PROFILES, type ProfileName } from '../config.ts';
import type { MemberlistDelegate, NodeView } from '../delegate.ts';
import { Memberlist } from '../memberlist.ts';
import { type Message, type PushNodeState, PushNodeStateKind } from '../messages.ts';
import { hostOf } from '../node-table.ts';
import { PacketCodec } from '../packet.ts';
import { encodeMessage } from '../wire.ts';

/**
 * The interpreter behind the memberlist transcript tests (src/gossip/testdata/*.txt), in the
 * style of src/raft/testing/interaction.ts: each block is a directive, `----`, and the exact
 * trace it produces. One real Memberlist runs on a ManualClock over a recording transport; the
 * other nodes exist only as the messages the file feeds in. Node `b` is 10.0.0.2:7946, `c`
 * 10.0.0.3:7946 and so on (letters a–z), and outgoing traffic is printed with those names.
 *
 * Directives:
 *   start <name> [profile=lan|wan|local] [seed=N] [meta=<text>]   (replaces any earlier node)
 *   recv <from> <message>            a packet from node <from>; <message> as printed below
 *   recv-crc <from> <message>        the same with a CRC header
 *   stream-in <from> <message>       an inbound stream (push/pull, ping, user); prints the reply
 *   stream-in-raw <from> <hex>       recv-raw <from> <hex>            (bytes as given)
 *   stream-reply <n> <message>|refuse   answers outgoing stream #n
 *   join <target>...                 push/pull with Join=true to each (prints the result when done)
 *   leave [timeout=<ms>]             update-meta <text>
 *   tick <ms>                        advances the clock 1 ms at a time, settling promises between
 *   members                          awareness                        stats
 *   auto-ack all|none|<name>...      those nodes answer our pings at once (acks not printed)
 *   print-packets on|off             hide outgoing packets (streams and events still show)
 *   log-level none|all               (none: directives print only `ok`, for set-up steps)
 * Messages: `alive node= inc= [addr=] [port=] [meta=] [vsn=1,5,2,2,5,5]`, `suspect node= inc= from=`,
 * `dead node= inc= from=`, `ping node= seq= [src=<name>]`, `indirect node= seq= [nack=true]`,
 * `ack seq= [payload=<text>]`, `nack seq=`, `user <text>`,
 * `pushPull [join=true] nodes=<name>:<state>:<inc>[:<port>],...`.
 * Output lines are `@<ms since start>` then `→ <to> [crc] <messages>` for packets, `#n → <to>
 * stream <message>` for streams, `event <kind> <node>` for delegate calls and `log <level>:` for
 * info/warn/error logs. Regenerate with GOSSIP_REWRITE=1 and review the diff.
 */

const nodeNames = 'abcdefghijklmnopqrstuvwxyz';
const text = new TextEncoder();
const untext = new TextDecoder();

export function conventionalAddress(name: string): GossipAddress {
  const index = nodeNames.indexOf(name);
  if (name.length !== 1 || index < 0) throw new Error(`unknown node name ${name} (use a–z)`);
  return { host: `10.0.0.${index + 1}`, port: 7946 };
}

function nameOf(address: GossipAddress): string {
  const match = /^10\.0\.0\.(\d+)$/.exec(address.host);
  if (match !== null && address.port === 7946) {
    const letter = nodeNames[Number(match[1]) - 1];
    if (letter !== undefined) return letter;
  }
  return `${address.host}:${address.port}`;
}

function parseFields(args: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) fields[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return fields;
}

const stateByName: Record<string, PushNodeStateKind> = PushNodeStateKind;
const stateNames = ['alive', 'suspect', 'dead', 'left'];

/** Builds a message from its printed form. */
export function parseMessage(words: string[]): Message {
  const [type, ...rest] = words;
  const f = parseFields(rest);
  const num = (key: string, fallback = 0) => (f[key] === undefined ? fallback : Number(f[key]));
  switch (type) {
    case 'alive': {
      const node = f.node ?? '';
      const address =
        f.addr !== undefined ? { host: f.addr, port: num('port', 7946) } : conventionalAddress(node);
      return {
        type: 'alive',
        body: {
          addr: hostBytes(address.host),
          incarnation: num('inc'),
          meta: text.encode(f.meta ?? ''),
          node,
          port: f.port !== undefined ? num('port') : address.port,
          vsn:
            f.vsn === undefined
              ? LOCAL_VSN
              : Uint8Array.from(f.vsn === '' ? [] : f.vsn.split(',').map(Number)),
        },
      };
    }
    case 'suspect':
    case 'dead':
      return { type, body: { from: f.from ?? '', incarnation: num('inc'), node: f.node ?? '' } };
    case 'ping': {
      const body: Message & { type: 'ping' } = {
        type: 'ping',
        body: { node: f.node ?? '', seqNo: num('seq') },
      };
      if (f.src !== undefined) {
        const source = conventionalAddress(f.src);
        body.body.sourceAddr = hostBytes(source.host);
        body.body.sourceNode = f.src;
        body.body.sourcePort = source.port;
      }
      return body;
    }
    case 'indirect': {
      const target = conventionalAddress(f.node ?? '');
      return {
        type: 'indirectPing',
        body: {
          nack: f.nack === 'true',
          node: f.node ?? '',
          port: target.port,
          seqNo: num('seq'),
          target: hostBytes(target.host),
        },
      };
    }
    case 'ack':
      return {
        type: 'ackResp',
        body: { payload: f.payload === undefined ? null : text.encode(f.payload), seqNo: num('seq') },
      };
    case 'nack':
      return { type: 'nackResp', body: { seqNo: num('seq') } };
    case 'user':
      return { type: 'user', body: text.encode(rest.join(' ')) };
    case 'pushPull': {
      const nodes: PushNodeState[] = (f.nodes ?? '')
        .split(',')
        .filter((entry) => entry !== '')
        .map((entry) => {
          const [name = '', state = 'alive', incarnation = '1', port] = entry.split(':');
          const address = conventionalAddress(name);
          return {
            addr: hostBytes(address.host),
            incarnation: Number(incarnation),
            meta: new Uint8Array(),
            name,
            port: port === undefined ? address.port : Number(port),
            state: stateByName[state] ?? PushNodeStateKind.alive,
            vsn: LOCAL_VSN,
          };
        });
      return { type: 'pushPull', body: { join: f.join === 'true', nodes, userState: new Uint8Array() } };
    }
  }
  throw new Error(`unknown message ${type}`);
}

function hostBytes(host: string): Uint8Array {
  return Uint8Array.from(host.split('.').map(Number));
}

function printAddress(addr: Uint8Array, port: number): string {
  return nameOf({ host: hostOf(addr), port });
}

/** The printed form of a message (the inverse of `parseMessage`, plus fields it defaults). */
export function printMessage(message: Message): string {
  switch (message.type) {
    case 'alive': {
      const b = message.body;
      const meta = b.meta.length > 0 ? ` meta=${untext.decode(b.meta)}` : '';
      return `alive node=${b.node} inc=${b.incarnation} at=${printAddress(b.addr, b.port)}${meta} vsn=${[...b.vsn].join(',')}`;
    }
    case 'suspect':
    case 'dead':
      return `${message.type} node=${message.body.node} inc=${message.body.incarnation} from=${message.body.from}`;
    case 'ping': {
      const b = message.body;
      const source =
        b.sourceAddr !== undefined
          ? ` src=${b.sourceNode ?? ''}@${printAddress(b.sourceAddr, b.sourcePort ?? 0)}`
          : '';
      return `ping node=${b.node} seq=${b.seqNo}${source}`;
    }
    case 'indirectPing': {
      const b = message.body;
      const source =
        b.sourceAddr !== undefined
          ? ` src=${b.sourceNode ?? ''}@${printAddress(b.sourceAddr, b.sourcePort ?? 0)}`
          : '';
      return `indirect node=${b.node} target=${printAddress(b.target, b.port)} seq=${b.seqNo} nack=${b.nack}${source}`;
    }
    case 'ackResp':
      return `ack seq=${message.body.seqNo}${message.body.payload === null ? '' : ` payload=${untext.decode(message.body.payload)}`}`;
    case 'nackResp':
      return `nack seq=${message.body.seqNo}`;
    case 'user':
      return `user ${untext.decode(message.body)}`;
    case 'errResp':
      return `errResp ${message.body.error}`;
    case 'pushPull': {
      const nodes = message.body.nodes
        .map((n) => `${n.name}:${stateNames[n.state]}:${n.incarnation}${n.port === 7946 ? '' : `:${n.port}`}`)
        .sort()
        .join(',');
      return `pushPull join=${message.body.join} nodes=${nodes} user=${message.body.userState.length}`;
    }
  }
}

interface PendingStream {
  resolve(bytes: Uint8Array | undefined): void;
  reject(error: Error): void;
  settled: boolean;
}

class RecordingTransport implements GossipTransport {
  handler: GossipTransportHandler | undefined;
  streams: PendingStream[] = [];
  /** Nodes that answer every ping at once (`all` = every node). */
  autoAck = new Set<string>();
  printPackets = true;

  constructor(
    private readonly address: GossipAddress,
    private readonly clock: Clock,
    private readonly codec: PacketCodec,
    private readonly print: (line: string) => void,
  ) {}

  async listen(handler: GossipTransportHandler): Promise<void> {
    this.handler = handler;
  }

  localAddress(): GossipAddress {
    return this.address;
  }

  sendPacket(to: GossipAddress, packet: Uint8Array): void {
    const crc = packet[0] === 12 ? ' crc' : '';
    const { messages, dropped } = this.codec.openPacket(packet);
    const shown = messages.map(printMessage);
    for (const error of dropped) shown.push(`<undecodable: ${error.reason}>`);
    if (this.printPackets) this.print(`→ ${nameOf(to)}${crc} ${shown.join(' + ')}`);
    const peer = nameOf(to);
    if (!this.autoAck.has(peer) && !this.autoAck.has('all')) return;
    for (const message of messages) {
      if (message.type !== 'ping') continue;
      const ack = this.codec.sealPacket(
        [encodeMessage({ type: 'ackResp', body: { payload: null, seqNo: message.body.seqNo } })],
        false,
      );
      void Promise.resolve().then(() => this.handler?.onPacket(to, ack));
    }
  }

  request(
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined> {
    const id = this.streams.length + 1;
    this.print(`#${id} → ${nameOf(to)} stream ${printMessage(this.codec.openStream(message))}`);
    return new Promise((resolve, reject) => {
      const pending: PendingStream = { resolve, reject, settled: false };
      this.streams.push(pending);
      this.clock.setTimer(options.timeoutMs, () => {
        if (pending.settled) return;
        pending.settled = true;
        reject(new Error('i/o timeout'));
      });
    });
  }

  async close(): Promise<void> {
    this.handler = undefined;
  }
}

function recordingLogger(print: (line: string) => void): Logger {
  const logger: Logger = {
    debug() {},
    info: (_fields, message) => print(`log info: ${message}`),
    warn: (_fields, message) => print(`log warn: ${message}`),
    error: (_fields, message) => print(`log error: ${message}`),
    child: () => logger,
  };
  return logger;
}

export class MemberlistInteraction {
  private clock = new ManualClock(0);
  private startMs = 0;
  private memberlist: Memberlist | undefined;
  private transport: RecordingTransport | undefined;
  private codec = new PacketCodec({ compress: false, random: new SeededRandom(1) });
  private output: string[] = [];
  private quiet = false;
  private meta = new Uint8Array();

  async run(command: string, args: string[]): Promise<string> {
    this.output = [];
    if (command === 'log-level') {
      this.quiet = args[0] === 'none';
      return 'ok';
    }
    const handler = this.handlers[command];
    if (handler === undefined) throw new Error(`unknown directive ${command}`);
    await handler(args);
    await this.settle();
    return this.output.length === 0 || this.quiet ? 'ok' : this.output.join('\n');
  }

  private print(line: string): void {
    this.output.push(`@${this.clock.nowMs() - this.startMs} ${line}`);
  }

  private get node(): Memberlist {
    if (this.memberlist === undefined) throw new Error('no node: use start first');
    return this.memberlist;
  }

  private get handle(): GossipTransportHandler {
    const handler = this.transport?.handler;
    if (handler === undefined) throw new Error('not listening');
    return handler;
  }

  private async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await undefined;
  }

  private readonly handlers: Record<string, (args: string[]) => Promise<void> | void> = {
    start: async ([name = 'a', ...rest]) => {
      const f = parseFields(rest);
      const profile = PROFILES[(f.profile ?? 'lan') as ProfileName];
      const random = new SeededRandom(Number(f.seed ?? 1));
      this.meta = text.encode(f.meta ?? '');
      const address = conventionalAddress(name);
      // A fresh node on a fresh clock: the previous one's timers must not leak into this scenario.
      await this.memberlist?.shutdown();
      this.clock = new ManualClock(0);
      this.startMs = this.clock.nowMs();
      this.transport = new RecordingTransport(address, this.clock, this.codec, (line) => this.print(line));
      this.memberlist = new Memberlist({
        name,
        advertise: address,
        profile,
        transport: this.transport,
        codec: this.codec,
        clock: this.clock,
        random,
        logger: recordingLogger((line) => this.print(line)),
        delegate: this.delegate(),
      });
      await this.memberlist.start();
    },
    recv: ([from = '', ...words]) =>
      this.handle.onPacket(
        conventionalAddress(from),
        this.codec.sealPacket([encodeMessage(parseMessage(words))], false),
      ),
    'recv-crc': ([from = '', ...words]) =>
      this.handle.onPacket(
        conventionalAddress(from),
        this.codec.sealPacket([encodeMessage(parseMessage(words))], true),
      ),
    'recv-raw': ([from = '', hex = '']) =>
      this.handle.onPacket(
        conventionalAddress(from),
        Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)),
      ),
    'stream-in': async ([from = '', ...words]) => {
      const reply = await this.handle.onStream(
        conventionalAddress(from),
        this.codec.sealStream(encodeMessage(parseMessage(words))),
      );
      this.print(`reply ${reply === undefined ? '(none)' : printMessage(this.codec.openStream(reply))}`);
    },
    'stream-in-raw': async ([from = '', hex = '']) => {
      const bytes = Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
      const reply = await this.handle.onStream(conventionalAddress(from), bytes);
      this.print(`reply ${reply === undefined ? '(none)' : printMessage(this.codec.openStream(reply))}`);
    },
    'stream-reply': ([id = '', ...words]) => {
      const pending = this.transport?.streams[Number(id) - 1];
      if (pending === undefined || pending.settled) throw new Error(`no open stream #${id}`);
      pending.settled = true;
      if (words[0] === 'refuse') pending.reject(new Error('connection refused'));
      else pending.resolve(this.codec.sealStream(encodeMessage(parseMessage(words))));
    },
    join: (targets) => {
      void this.node
        .join(targets.map((target) => ({ address: conventionalAddress(target) })))
        .then((result) => this.print(`join: joined=${result.joined} errors=[${result.errors.join('; ')}]`));
    },
    leave: (args) => {
      const timeoutMs = Number(parseFields(args).timeout ?? 5000);
      void this.node.leave(timeoutMs).then(
        () => this.print('leave: done'),
        (error: Error) => this.print(`leave: ${error.message}`),
      );
    },
    'update-meta': ([meta = '']) => {
      this.meta = text.encode(meta);
      void this.node.updateNode(5000).then(
        () => this.print('update: done'),
        (error: Error) => this.print(`update: ${error.message}`),
      );
    },
    tick: async ([ms = '0']) => {
      for (let i = 0; i < Number(ms); i++) {
        this.clock.advance(1);
        await this.settle();
      }
    },
    members: () => {
      for (const node of [...this.node.members()].sort((x, y) => (x.name < y.name ? -1 : 1))) {
        const meta = node.meta.length > 0 ? ` meta=${untext.decode(node.meta)}` : '';
        this.output.push(`${node.name} ${node.state} inc=${node.incarnation} at=${nameOf(node)}${meta}`);
      }
    },
    'auto-ack': (names) => {
      const transport = this.transport;
      if (transport === undefined) throw new Error('no node: use start first');
      transport.autoAck = new Set(names[0] === 'none' ? [] : names);
    },
    'print-packets': ([on]) => {
      if (this.transport === undefined) throw new Error('no node: use start first');
      this.transport.printPackets = on !== 'off';
    },
    awareness: () => {
      this.output.push(`health score ${this.node.healthScore()}`);
    },
    stats: () => {
      const { dropped, probes, probesFailed, refutations } = this.node.stats;
      const drops = Object.entries(dropped)
        .sort()
        .map(([reason, count]) => `${reason}=${count}`)
        .join(' ');
      this.output.push(
        `probes=${probes} failed=${probesFailed} refutations=${refutations} dropped: ${drops === '' ? 'none' : drops}`,
      );
    },
  };

  private delegate(): MemberlistDelegate {
    const event = (kind: string) => (node: NodeView) =>
      this.print(`event ${kind} ${node.name} inc=${node.incarnation} ${node.state}`);
    return {
      nodeMeta: () => this.meta,
      notifyUserMessage: (message) => this.print(`event user ${untext.decode(message)}`),
      broadcasts: () => [],
      localState: () => new Uint8Array(),
      mergeRemoteState: (state) => this.print(`event merge-state ${state.length} bytes`),
      ackPayload: () => null,
      notifyPingComplete: (node, rttMs) => {
        if (this.transport?.printPackets) this.print(`event ping-complete ${node.name} rtt=${rttMs}`);
      },
      notifyJoin: event('join'),
      notifyLeave: event('leave'),
      notifyUpdate: event('update'),
      notifyConflict: (existing, other) =>
        this.print(`event conflict ${existing.name} mine=${nameOf(existing)} theirs=${nameOf(other)}`),
    };
  }
}

export { parseTranscript, renderTranscript } from '../../raft/testing/interaction.ts';
