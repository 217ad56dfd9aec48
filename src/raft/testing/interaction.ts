import { assert } from '../../lib/assert.ts';
import { bootstrapEntries, defaultRaftOptions, Raft, type RaftOptions } from '../raft.ts';
import {
  type Configuration,
  type ConfigurationChangeKind,
  type Entry,
  EntryKind,
  type HardState,
  type Message,
  MessageType,
  NO_SERVER,
  type Snapshot,
  Suffrage,
} from '../types.ts';

/**
 * The interpreter behind the Raft transcript tests (src/raft/testdata/*.txt), after etcd-io/raft's
 * datadriven interaction tests: each block is a directive, `----`, and the exact trace it
 * produces. Nodes are the real core with an in-memory "disk"; the network is a set of mailboxes
 * that only move when a directive says so, so every interleaving is spelled out in the file.
 *
 * Directives:
 *   add-nodes <n> [voters=(1,2,3)] [nonvoters=(4)] [prevote=true] [checkquorum=true]
 *             [election=10] [heartbeat=1] [inflight=4] [max-append-bytes=<n>]
 *             [empty=true]   (empty: no bootstrap log; max-append-bytes=0: one command per append)
 *   campaign <id>                    propose <id> <data>
 *   tick-election <id>...            tick-heartbeat <id>...            tick <id> <n>
 *   set-randomized-timeout <id> <ticks>   (this timeout only: the next reset draws `election`)
 *   propose-conf-change <id> <kind> <server> [address]   (kind: addVoter, addNonvoter, ...)
 *   read-index <id> <context>        transfer-leadership <from> <to>
 *   process-ready <id>...
 *   deliver-msgs [drop=true] [type=<type>] [from=<id>] <id>...
 *                                    delivers (or drops) the messages queued *to* the ids; with
 *                                    type/from only the matching ones, the rest stay queued
 *   stabilize [<id>...]              (process-ready and deliver until nothing moves)
 *   isolate <id>                     cut <a> <b> (both directions)     heal (undoes both)
 *   compact <id> <index>             report-unreachable <leader> <id>
 *   report-snapshot <leader> <id> [ok|failed]
 *   restart <id>                     rebuilds the node from what process-ready persisted: what
 *                                    its core had not yet handed out in a Ready is lost;
 *                                    messages already sent to it stay in flight
 *   raft-log <id>                    raft-state                        status <id>
 *   fsm <id>                         (the commands applied, snapshot included)
 *   log-level none|all               (none: directives print only `ok`, for set-up steps)
 * Refused proposals, configuration changes and transfers print `refused: <reason>`; anything
 * else a directive does shows in later Readys. A message is lost if a partition separated its
 * ends when it was sent or when it is delivered (healing does not revive messages in flight);
 * it prints as `dropped: <message>` when delivered. `status` shows the configuration, and on a
 * leader each server's progress (match, next, state, unacknowledged appends, and `paused` when
 * flow control holds the next append back). Output blocks are compared exactly; regenerate
 * with RAFT_REWRITE=1 and review the diff.
 * Node ids are 1, 2, 3...; randomised election timeouts are pinned to `election` ticks.
 */

interface Disk {
  hardState: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

interface TestNode {
  id: string;
  raft: Raft;
  disk: Disk;
  options: RaftOptions;
  /** Applied command payloads, in order: the FSM. */
  applied: string[];
}

const text = new TextEncoder();
const decode = new TextDecoder();

export class InteractionEnvironment {
  private readonly nodes = new Map<string, TestNode>();
  /** Messages in flight to each node; `lost` when a partition stood between the two at send time. */
  private mailboxes = new Map<string, { message: Message; lost: boolean }[]>();
  private readonly isolated = new Set<string>();
  /** Cut links, as `a-b` with a < b in string order. */
  private readonly cutLinks = new Set<string>();
  private output: string[] = [];
  /** `log-level none` runs directives silently (for set-up steps the scenario is not about). */
  private quiet = false;

  run(command: string, args: string[]): string {
    this.output = [];
    if (command === 'log-level') {
      this.quiet = args[0] === 'none';
      return 'ok';
    }
    const handler = this.handlers[command];
    if (handler === undefined) throw new Error(`unknown directive ${command}`);
    handler(args);
    return this.output.length === 0 || this.quiet ? 'ok' : this.output.join('\n');
  }

  private readonly handlers: Record<string, (args: string[]) => void> = {
    'add-nodes': (args) => this.addNodes(args),
    campaign: ([id]) => this.node(id).raft.campaign(),
    'tick-election': (ids) => {
      for (const id of ids) {
        const node = this.node(id);
        for (let i = 0; i < node.options.electionTicks; i++) node.raft.tick();
      }
    },
    'set-randomized-timeout': ([id, ticks]) =>
      setRandomizedElectionTimeout(this.node(id).raft, Number(ticks)),
    tick: ([id, count]) => {
      const node = this.node(id);
      for (let i = 0; i < Number(count ?? 1); i++) node.raft.tick();
    },
    'tick-heartbeat': (ids) => {
      for (const id of ids) {
        const node = this.node(id);
        for (let i = 0; i < node.options.heartbeatTicks; i++) node.raft.tick();
      }
    },
    propose: ([id, data]) => {
      const result = this.node(id).raft.propose(text.encode(data ?? ''));
      if (!result.ok) this.print(`refused: ${result.refusal}`);
    },
    'propose-conf-change': ([id, kind, server, address]) => {
      const change = {
        kind: kind as ConfigurationChangeKind,
        id: server ?? '',
        address: address ?? `addr${server}`,
      };
      const result = this.node(id).raft.proposeConfigurationChange(change);
      if (!result.ok) this.print(`refused: ${result.refusal}`);
    },
    'read-index': ([id, context]) => {
      if (!this.node(id).raft.readIndex(Number(context))) this.print('refused: no leader');
    },
    'transfer-leadership': ([from, to]) => {
      if (!this.node(from).raft.transferLeadership(to ?? '')) this.print('refused');
    },
    'process-ready': (ids) => {
      for (const id of ids) this.processReady(this.node(id), ids.length > 1);
    },
    'deliver-msgs': (args) => {
      const flags = parseFlags(args);
      const filter = (message: Message): boolean =>
        (flags.type === undefined || message.type === flags.type) &&
        (flags.from === undefined || message.from === flags.from);
      for (const id of args.filter((arg) => !arg.includes('='))) {
        this.deliver(id, flags.drop === 'true', filter);
      }
    },
    stabilize: (ids) => this.stabilize(ids.length > 0 ? ids : [...this.nodes.keys()]),
    isolate: ([id]) => this.isolated.add(id ?? ''),
    cut: ([a, b]) => this.cutLinks.add(linkName(a ?? '', b ?? '')),
    heal: () => {
      this.isolated.clear();
      this.cutLinks.clear();
    },
    compact: ([id, index]) => this.compact(this.node(id), Number(index)),
    'report-unreachable': ([leader, id]) => this.node(leader).raft.reportUnreachable(id ?? ''),
    'report-snapshot': ([leader, id, outcome]) =>
      this.node(leader).raft.reportSnapshot(id ?? '', outcome !== 'failed'),
    restart: ([id]) => this.restart(this.node(id)),
    fsm: ([id]) => this.print(JSON.stringify(this.node(id).applied)),
    'raft-log': ([id]) => {
      const { raft } = this.node(id);
      if (raft.lastIndex < raft.firstIndex) this.print(`log is empty: first index=${raft.firstIndex}`);
      for (let index = raft.firstIndex; index <= raft.lastIndex; index++) {
        const entry = raft.entryAt(index);
        if (entry !== undefined) this.print(formatEntry(entry));
      }
    },
    'raft-state': () => {
      for (const node of this.nodes.values()) {
        const { raft } = node;
        this.print(
          `${node.id}: ${raft.role} term=${raft.term} leader=${raft.leader || '-'} commit=${raft.commitIndex} last=${raft.lastIndex}${this.isolated.has(node.id) ? ' (isolated)' : ''}`,
        );
      }
    },
    status: ([id]) => {
      const { raft } = this.node(id);
      const { configuration } = raft.currentConfiguration();
      for (const server of configuration.servers) {
        const progress = raft.progressOf(server.id);
        const where =
          progress === undefined
            ? ''
            : ` match=${progress.match} next=${progress.next} ${progress.state} inflight=${progress.inflight}${progress.paused ? ' paused' : ''}`;
        this.print(`${server.id}: ${server.suffrage}${where}`);
      }
    },
  };

  private addNodes(args: string[]): void {
    const count = Number(args[0]);
    const flags = parseFlags(args.slice(1));
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, i) => String(first + i));
    const voters = flags.voters?.split(',') ?? ids;
    const nonvoters = flags.nonvoters?.split(',') ?? [];
    const configuration: Configuration = {
      servers: [
        ...voters.map((id) => ({ id, address: `addr${id}`, suffrage: Suffrage.voter })),
        ...nonvoters.map((id) => ({ id, address: `addr${id}`, suffrage: Suffrage.nonvoter })),
      ],
    };
    for (const id of ids) {
      const options: RaftOptions = {
        ...defaultRaftOptions,
        id,
        electionTicks: Number(flags.election ?? 10),
        heartbeatTicks: Number(flags.heartbeat ?? 1),
        preVote: flags.prevote !== 'false',
        checkQuorum: flags.checkquorum !== 'false',
        maxInflightAppends: Number(flags.inflight ?? defaultRaftOptions.maxInflightAppends),
        maxAppendBytes: Number(flags['max-append-bytes'] ?? defaultRaftOptions.maxAppendBytes),
        random: { next: () => 0 },
      };
      const entries = flags.empty === 'true' ? [] : bootstrapEntries(configuration);
      const disk: Disk = {
        hardState: { term: entries.length > 0 ? 1 : 0, vote: NO_SERVER, commit: 0 },
        entries,
      };
      const node: TestNode = { id, options, disk, applied: [], raft: this.boot(options, disk) };
      this.nodes.set(id, node);
    }
  }

  private boot(options: RaftOptions, disk: Disk): Raft {
    const start = { hardState: { ...disk.hardState }, entries: [...disk.entries] };
    return new Raft(options, disk.snapshot === undefined ? start : { ...start, snapshot: disk.snapshot });
  }

  private node(id: string | undefined): TestNode {
    const node = this.nodes.get(id ?? '');
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private print(line: string): void {
    this.output.push(line);
  }

  private processReady(node: TestNode, labelled: boolean): boolean {
    if (!node.raft.hasReady()) return false;
    const ready = node.raft.ready();
    const indent = labelled ? '  ' : '';
    if (labelled) this.print(`> ${node.id} handling Ready`);
    if (ready.softState)
      this.print(`${indent}Lead:${ready.softState.leader || '-'} State:${ready.softState.role}`);
    if (ready.hardState) {
      const { term, vote, commit } = ready.hardState;
      this.print(`${indent}HardState Term:${term} Vote:${vote || '-'} Commit:${commit}`);
    }
    if (ready.snapshot) {
      const { index, term } = ready.snapshot.metadata;
      this.print(`${indent}Snapshot Index:${index} Term:${term}`);
      node.disk.snapshot = ready.snapshot;
      node.disk.entries = [];
      node.applied = JSON.parse(decode.decode(ready.snapshot.data)) as string[];
    }
    if (ready.entries.length > 0) {
      this.print(`${indent}Entries:`);
      for (const entry of ready.entries) this.print(`${indent}  ${formatEntry(entry)}`);
      const first = (ready.entries[0] as Entry).index;
      node.disk.entries = node.disk.entries.filter((entry) => entry.index < first).concat(ready.entries);
    }
    if (ready.hardState) node.disk.hardState = ready.hardState;
    if (ready.messages.length > 0) {
      this.print(`${indent}Messages:`);
      for (const message of ready.messages) {
        this.print(`${indent}  ${formatMessage(message)}`);
        const box = this.mailboxes.get(message.to) ?? [];
        box.push({ message, lost: this.partitioned(message) });
        this.mailboxes.set(message.to, box);
      }
    }
    if (ready.committedEntries.length > 0) {
      this.print(`${indent}CommittedEntries:`);
      for (const entry of ready.committedEntries) {
        this.print(`${indent}  ${formatEntry(entry)}`);
        if (entry.kind === EntryKind.command) node.applied.push(decode.decode(entry.data));
      }
    }
    for (const read of ready.readStates)
      this.print(`${indent}ReadState index=${read.index} context=${read.context}`);
    node.raft.advance();
    return true;
  }

  private deliver(id: string, drop: boolean, filter: (message: Message) => boolean = () => true): boolean {
    const queued = this.mailboxes.get(id) ?? [];
    const box = queued.filter((item) => filter(item.message));
    this.mailboxes.set(
      id,
      queued.filter((item) => !filter(item.message)),
    );
    for (const { message, lost } of box) {
      const fate = drop || lost || this.partitioned(message) ? 'dropped: ' : '';
      this.print(`${fate}${formatMessage(message)}`);
      if (fate === '') this.node(id).raft.step(message);
    }
    return box.length > 0;
  }

  /** Whether a partition separates the message's two ends now. */
  private partitioned(message: Message): boolean {
    return (
      this.isolated.has(message.from) ||
      this.isolated.has(message.to) ||
      this.cutLinks.has(linkName(message.from, message.to))
    );
  }

  private stabilize(ids: string[]): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) moved = this.processReady(this.node(id), true) || moved;
      for (const id of ids) {
        if ((this.mailboxes.get(id) ?? []).length === 0) continue;
        this.print(`> ${id} receiving messages`);
        const before = this.output.length;
        moved = this.deliver(id, false) || moved;
        for (let i = before; i < this.output.length; i++) this.output[i] = `  ${this.output[i]}`;
      }
      if (!moved) return;
    }
    throw new Error('stabilize did not settle in 1000 rounds');
  }

  private compact(node: TestNode, index: number): void {
    const term = node.raft.termAt(index);
    assert(term !== undefined, `no entry ${index} to compact at`);
    const appliedThrough = node.applied.slice(0, this.commandsThrough(node, index));
    const snapshot: Snapshot = {
      metadata: { index, term, configuration: node.raft.configurationForSnapshot(index) },
      data: text.encode(JSON.stringify(appliedThrough)),
    };
    node.raft.compact(snapshot, index);
    node.disk.snapshot = snapshot;
    node.disk.entries = node.disk.entries.filter((entry) => entry.index > index);
  }

  /** How many of the node's applied commands lie at or below `index`. */
  private commandsThrough(node: TestNode, index: number): number {
    let count =
      node.disk.snapshot === undefined
        ? 0
        : (JSON.parse(decode.decode(node.disk.snapshot.data)) as string[]).length;
    for (const entry of node.disk.entries) {
      if (entry.index > index) break;
      if (entry.kind === EntryKind.command && entry.index > (node.disk.snapshot?.metadata.index ?? 0))
        count++;
    }
    return count;
  }

  private restart(node: TestNode): void {
    // Messages already in flight to it stay in the network (drop them with deliver-msgs).
    node.applied = node.disk.snapshot ? (JSON.parse(decode.decode(node.disk.snapshot.data)) as string[]) : [];
    node.raft = this.boot(node.options, node.disk);
  }
}

/**
 * Sets the election timeout the core drew (etcd's `setRandomizedElectionTimeout` test helper,
 * which also reaches into an unexported field). Asserted so a rename fails loudly.
 */
function setRandomizedElectionTimeout(raft: Raft, ticks: number): void {
  const internals = raft as unknown as { randomizedElectionTimeout?: number };
  assert(typeof internals.randomizedElectionTimeout === 'number', 'Raft.randomizedElectionTimeout moved');
  assert(ticks >= 1, 'a timeout needs at least one tick');
  internals.randomizedElectionTimeout = ticks;
}

function linkName(a: string, b: string): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

function parseFlags(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const arg of args) {
    const [key, value] = arg.split('=');
    if (key !== undefined && value !== undefined) flags[key] = value.replace(/^\(|\)$/g, '');
  }
  return flags;
}

export function formatEntry(entry: Entry): string {
  const base = `${entry.term}/${entry.index}`;
  switch (entry.kind) {
    case EntryKind.noop:
      return `${base} noop`;
    case EntryKind.command:
      return `${base} ${JSON.stringify(decode.decode(entry.data))}`;
    case EntryKind.configuration: {
      const servers = entry.configuration?.servers ?? [];
      return `${base} config ${servers.map((s) => `${s.id}${s.suffrage === Suffrage.voter ? '' : '(nonvoter)'}`).join(',')}`;
    }
  }
}

export function formatMessage(message: Message): string {
  const parts = [`${message.from}->${message.to}`, message.type, `term=${message.term}`];
  if (message.index !== undefined) parts.push(`index=${message.index}`);
  if (message.logTerm !== undefined) parts.push(`logTerm=${message.logTerm}`);
  if (message.commit !== undefined) parts.push(`commit=${message.commit}`);
  if (message.reject === true) parts.push('rejected');
  if (message.rejectHint !== undefined) parts.push(`hint=${message.rejectHint}/${message.rejectHintTerm}`);
  if (message.context !== undefined) parts.push(`context=${message.context}`);
  if (message.transfer === true) parts.push('transfer');
  if (message.snapshot !== undefined) {
    parts.push(`snapshot=${message.snapshot.metadata.term}/${message.snapshot.metadata.index}`);
  }
  if (message.type === MessageType.append) {
    parts.push(`entries=[${(message.entries ?? []).map(formatEntry).join(', ')}]`);
  }
  return parts.join(' ');
}

/** Parses a transcript file into blocks of (directive line, expected output). */
export function parseTranscript(source: string): { line: number; directive: string; expected: string }[] {
  const blocks: { line: number; directive: string; expected: string }[] = [];
  const lines = source.split('\n');
  let i = 0;
  while (i < lines.length) {
    const current = lines[i] as string;
    if (current.trim() === '' || current.startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    const directive = current;
    i++;
    assert(lines[i] === '----', `line ${i + 1}: expected ---- after the directive`);
    i++;
    const output: string[] = [];
    while (i < lines.length && lines[i] !== '') output.push(lines[i++] as string);
    blocks.push({ line: start + 1, directive, expected: output.join('\n') });
  }
  return blocks;
}

/** Re-renders a transcript with fresh outputs (the --rewrite mode), keeping comments. */
export function renderTranscript(source: string, outputs: Map<number, string>): string {
  const lines = source.split('\n');
  const rendered: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const current = lines[i] as string;
    if (current.trim() === '' || current.startsWith('#')) {
      rendered.push(current);
      i++;
      continue;
    }
    const output = outputs.get(i + 1);
    rendered.push(current, '----', output ?? '');
    i += 2;
    while (i < lines.length && lines[i] !== '') i++;
  }
  return rendered.join('\n');
}
