/**
 * Linearizability checker for key–value register histories (put / get / compare-and-swap), for
 * the end-to-end check of the seeded cluster simulator: client operations → history → here.
 *
 * The search is Wing & Gong's (1993) depth-first search over an event list, with Lowe's (2017,
 * "Testing for linearizability", Concurrency and Computation 29(4)) two improvements, as in
 * Porcupine: (1) operations linearized so far are lifted out of a doubly linked list of call and
 * return events, so each step only looks at the calls pending before the earliest un-linearized
 * return; (2) every (linearized set, register value) state reached is memoised, so a state whose
 * continuations failed once is never searched again. Histories are first split by key:
 * linearizability is compositional (Herlihy & Wing 1990, "locality"), and Horn & Kroening (2015,
 * "Faster linearizability checking via P-compositionality") show that splitting a map into its
 * independent registers is what makes such checks tractable.
 *
 * Operations whose outcome is unknown (the reply was never seen) may take effect at any instant
 * after their call, or never; the checker never demands that they be linearized.
 */

export type KvInput =
  | { kind: 'put'; value: string }
  | { kind: 'get' }
  | { kind: 'cas'; from: string | undefined; to: string };

/** `undefined` is an unknown outcome: the reply never reached the client. */
export type KvOutput =
  | { kind: 'put' }
  | { kind: 'get'; value: string | undefined }
  | { kind: 'cas'; ok: boolean }
  | undefined;

export interface KvOperation {
  client: number;
  key: string;
  input: KvInput;
  output: KvOutput;
  callMs: number;
  /** `Infinity` when the operation never returned. */
  returnMs: number;
}

export type LinearizabilityResult =
  | { ok: true }
  | {
      ok: false;
      key: string;
      /** The key's whole sub-history, in the order given, for the failure report. */
      operations: KvOperation[];
      reason: string;
    };

export interface LinearizabilityOptions {
  /** The value every key holds before the history starts; missing (`undefined`) by default. */
  initial?: string | undefined;
  /**
   * The most search states visited per key before giving up with a "search budget exceeded"
   * verdict. Each visit is a probe of the memo, so the memo never holds more than this.
   */
  maxStates?: number;
}

/**
 * Far more than a realistic simulator history needs (a linearizable key costs about one state
 * per operation). Exhausting it took ~2 s and ~180 MB RSS on 40 fully concurrent puts followed by
 * an impossible read, so the budget verdict comes long before memory runs out.
 */
export const DEFAULT_MAX_STATES = 5_000_000;

/**
 * Decides whether `history` has a linearization against a register per key. Programmer errors in
 * the history (non-finite call times, a return before its call, an output of another kind than
 * its input) throw; every other outcome is a result. On failure it reports the first key (in
 * order of first appearance) that is not linearizable or exhausted the search budget.
 */
export function checkLinearizable(
  history: readonly KvOperation[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  if (!Number.isSafeInteger(maxStates) || maxStates < 1) {
    throw new RangeError(`maxStates must be a positive integer, got ${maxStates}`);
  }
  const byKey = new Map<string, KvOperation[]>();
  for (const operation of history) {
    assertWellFormed(operation);
    const operations = byKey.get(operation.key);
    if (operations === undefined) byKey.set(operation.key, [operation]);
    else operations.push(operation);
  }
  for (const [key, operations] of byKey) {
    const reason = checkRegister(key, operations, options.initial, maxStates);
    if (reason !== undefined) return { ok: false, key, operations, reason };
  }
  return { ok: true };
}

/** Renders a sub-history one operation per line, in call order, for failure reports. */
export function describeHistory(operations: readonly KvOperation[]): string {
  return [...operations]
    .sort((a, b) => a.callMs - b.callMs || a.client - b.client)
    .map(describeOperation)
    .join('\n');
}

function describeOperation(operation: KvOperation): string {
  const callMs = String(operation.callMs).padStart(8);
  const returnMs = (operation.returnMs === Infinity ? 'never' : String(operation.returnMs)).padStart(8);
  return `[${callMs} ..${returnMs}] client ${operation.client} ${operation.key}: ${describeInput(operation.input)} -> ${describeOutput(operation.output)}`;
}

function describeInput(input: KvInput): string {
  switch (input.kind) {
    case 'put':
      return `put(${describeValue(input.value)})`;
    case 'get':
      return 'get()';
    case 'cas':
      return `cas(${describeValue(input.from)}, ${describeValue(input.to)})`;
  }
}

function describeOutput(output: KvOutput): string {
  if (output === undefined) return 'unknown';
  switch (output.kind) {
    case 'put':
      return 'ok';
    case 'get':
      return describeValue(output.value);
    case 'cas':
      return output.ok ? 'ok' : 'failed';
  }
}

function describeValue(value: string | undefined): string {
  return value === undefined ? '<missing>' : JSON.stringify(value);
}

function assertWellFormed(operation: KvOperation): void {
  if (!Number.isFinite(operation.callMs)) {
    throw new RangeError(`callMs must be finite, got ${operation.callMs}: ${describeOperation(operation)}`);
  }
  // Written so that NaN fails too.
  if (!(operation.returnMs >= operation.callMs)) {
    throw new RangeError(
      `returnMs must be at least callMs (or Infinity), got ${operation.returnMs}: ${describeOperation(operation)}`,
    );
  }
  if (operation.output !== undefined && operation.output.kind !== operation.input.kind) {
    throw new TypeError(
      `a ${operation.input.kind} operation cannot have a ${operation.output.kind} output: ${describeOperation(operation)}`,
    );
  }
}

const Kind = { put: 0, get: 1, cas: 2 } as const;
const CasOutcome = { failed: 0, succeeded: 1, unknown: 2 } as const;
const HEAD = 0;

/**
 * Wing–Gong–Lowe search for one register; returns why it failed, or `undefined` when a
 * linearization exists. Iterative, with an explicit stack, so histories of any length fit.
 *
 * Event list: operation i (in call order) has call entry 2i+1 and return entry 2i+2; entry 0 is
 * the head. Entries are sorted by time, and on equal times returns come before calls (an
 * operation that returned at t precedes one called at t). An operation with an unknown outcome
 * returns at +∞: a timed-out request may still be applied later, so its recorded `returnMs` is
 * no bound. Because such operations need never be linearized, success is "every known-outcome
 * operation linearized", whatever unknown ones are left.
 */
function checkRegister(
  key: string,
  history: readonly KvOperation[],
  initial: string | undefined,
  maxStates: number,
): string | undefined {
  // A get with an unknown outcome observed nothing, so it constrains nothing.
  const operations = history
    .filter((operation) => operation.input.kind !== 'get' || operation.output !== undefined)
    .sort((a, b) => a.callMs - b.callMs);
  // Bit i of the linearized set is the i-th operation by call time: the linearized set then
  // tends to be a prefix plus a few stragglers, which keeps its memo key (run boundaries) short.
  const count = operations.length;

  const values: (string | undefined)[] = [undefined];
  const valueIds = new Map<string, number>();
  const valueId = (value: string | undefined): number => {
    if (value === undefined) return 0;
    let id = valueIds.get(value);
    if (id === undefined) {
      id = values.length;
      values.push(value);
      valueIds.set(value, id);
    }
    return id;
  };

  const kind = new Uint8Array(count);
  const argument = new Int32Array(count); // put: value; get: value read; cas: expected value
  const casTo = new Int32Array(count);
  const casOutcome = new Uint8Array(count);
  const known = new Uint8Array(count);
  const effectiveReturnMs = new Float64Array(count);
  let knownLeft = 0;
  for (let index = 0; index < count; index++) {
    const { input, output, returnMs } = operations[index]!;
    known[index] = output === undefined ? 0 : 1;
    knownLeft += known[index]!;
    effectiveReturnMs[index] = output === undefined ? Infinity : returnMs;
    if (input.kind === 'put') {
      kind[index] = Kind.put;
      argument[index] = valueId(input.value);
    } else if (input.kind === 'get') {
      kind[index] = Kind.get;
      argument[index] = valueId(output?.kind === 'get' ? output.value : undefined);
    } else {
      kind[index] = Kind.cas;
      argument[index] = valueId(input.from);
      casTo[index] = valueId(input.to);
      casOutcome[index] =
        output?.kind === 'cas' ? (output.ok ? CasOutcome.succeeded : CasOutcome.failed) : CasOutcome.unknown;
    }
  }
  if (knownLeft === 0) return undefined;

  // Order on equal times: returns of other operations, then calls and returns of zero-length
  // operations (concurrent with each other), then calls. An operation's own call thus always
  // comes before its own return.
  const entryTime = (entry: number): number => {
    const index = (entry - 1) >>> 1;
    return entry & 1 ? operations[index]!.callMs : effectiveReturnMs[index]!;
  };
  const entryRank = (entry: number): number => {
    const index = (entry - 1) >>> 1;
    const instantaneous = operations[index]!.callMs === effectiveReturnMs[index];
    if (entry & 1) return instantaneous ? 1 : 3;
    return instantaneous ? 2 : 0;
  };
  const sorted = Array.from({ length: 2 * count }, (_, position) => position + 1);
  sorted.sort((a, b) => entryTime(a) - entryTime(b) || entryRank(a) - entryRank(b) || a - b);

  const tail = 2 * count + 1;
  const next = new Int32Array(2 * count + 2);
  const previous = new Int32Array(2 * count + 2);
  let last = HEAD;
  for (const entry of sorted) {
    next[last] = entry;
    previous[entry] = last;
    last = entry;
  }
  next[last] = tail;
  previous[tail] = last;

  // Dancing links: a lifted entry keeps its own pointers, so undoing lifts in reverse order
  // (the stack guarantees it) restores the list exactly.
  const unlink = (entry: number): void => {
    next[previous[entry]!] = next[entry]!;
    previous[next[entry]!] = previous[entry]!;
  };
  const relink = (entry: number): void => {
    next[previous[entry]!] = entry;
    previous[next[entry]!] = entry;
  };

  const linearized = new LinearizedSet(count);
  const memo = new Set<string>();
  const stackOperation = new Int32Array(count);
  const stackState = new Int32Array(count);
  let depth = 0;
  let state = valueId(initial);
  let probes = 0;

  // For the report: the deepest point reached, and the operation whose return stopped it.
  let deepest = -1;
  let blockedOperation = 0;
  let blockedState = 0;

  let entry = next[HEAD]!;
  for (;;) {
    if (entry === tail) throw new Error('linearizability: the event scan ran past the last return');
    const index = (entry - 1) >>> 1;
    if (entry & 1) {
      // A call: try to linearize its operation now.
      let accepted = true;
      let nextState = state;
      switch (kind[index]) {
        case Kind.put:
          nextState = argument[index]!;
          break;
        case Kind.get:
          accepted = argument[index] === state;
          break;
        default: {
          const matches = state === argument[index];
          const outcome = casOutcome[index];
          if (outcome !== CasOutcome.unknown) accepted = matches === (outcome === CasOutcome.succeeded);
          if (accepted && matches) nextState = casTo[index]!;
        }
      }
      // An unknown-outcome operation that would not change the value is better left out: the
      // current state already allows everything the new one would (it need never be linearized,
      // and its return at +∞ blocks nothing).
      if (accepted && (known[index] === 1 || nextState !== state)) {
        linearized.add(index);
        if (++probes > maxStates) {
          return (
            `search budget exceeded: visited ${maxStates} states on key ${JSON.stringify(key)} ` +
            `(${count} operations) without deciding; raise options.maxStates or check a shorter history`
          );
        }
        const memoKey = linearized.key(nextState);
        if (!memo.has(memoKey)) {
          memo.add(memoKey);
          stackOperation[depth] = index;
          stackState[depth] = state;
          depth++;
          state = nextState;
          unlink(entry);
          unlink(entry + 1);
          knownLeft -= known[index]!;
          if (knownLeft === 0) return undefined;
          entry = next[HEAD]!;
          continue;
        }
        linearized.remove(index);
      }
      entry = next[entry]!;
    } else {
      // The return of an operation not yet linearized: every candidate before it has been
      // tried, so undo the last choice and try the one after it.
      if (depth > deepest) {
        deepest = depth;
        blockedOperation = index;
        blockedState = state;
      }
      if (depth === 0) {
        return (
          `not linearizable: the longest legal order found covers ${deepest} of the ${count} operations ` +
          `on key ${JSON.stringify(key)} and leaves it at ${describeValue(values[blockedState])}; no ` +
          `order of the operations pending then lets this one take effect before it returned: ` +
          describeOperation(operations[blockedOperation]!)
        );
      }
      depth--;
      const undone = stackOperation[depth]!;
      state = stackState[depth]!;
      linearized.remove(undone);
      knownLeft += known[undone]!;
      relink(2 * undone + 2);
      relink(2 * undone + 1);
      entry = next[2 * undone + 1]!;
    }
  }
}

/**
 * The set of linearized operations (by call-order index), with its memo key. The key is the
 * run-length form of the bit string: exact, and short because the set is mostly a prefix plus a
 * few stragglers. Two bounds let the key skip the words on either side of the window where
 * the search is working: every word below `fullWordsBelow` is all ones, and no word above
 * `highestWordAtMost` has a bit set. They are only bounds (tightened lazily by `key`), and the
 * key is the same whatever valid bounds it starts from. Without them, a key with 40,000
 * operations would rescan 1,250 words on every step.
 */
class LinearizedSet {
  private readonly words: Uint32Array;
  private fullWordsBelow = 0;
  private highestWordAtMost = -1;
  private readonly codes: number[] = [];

  constructor(count: number) {
    this.words = new Uint32Array((count + 31) >>> 5);
  }

  add(index: number): void {
    const word = index >>> 5;
    this.words[word]! |= 1 << (index & 31);
    if (word > this.highestWordAtMost) this.highestWordAtMost = word;
  }

  remove(index: number): void {
    const word = index >>> 5;
    this.words[word]! &= ~(1 << (index & 31));
    if (word < this.fullWordsBelow) this.fullWordsBelow = word;
  }

  /**
   * The value id, then every position where the bit string (padded with zeros on both sides)
   * changes. Numbers are one UTF-16 code unit below 2^15 and two above, so the encoding is
   * unambiguous.
   */
  key(state: number): string {
    const { words, codes } = this;
    while (this.fullWordsBelow < words.length && words[this.fullWordsBelow] === 0xffffffff) {
      this.fullWordsBelow++;
    }
    while (this.highestWordAtMost >= 0 && words[this.highestWordAtMost] === 0) this.highestWordAtMost--;
    codes.length = 0;
    pushCode(codes, state);
    let previousBit = 0;
    if (this.fullWordsBelow > 0) {
      pushCode(codes, 0);
      previousBit = 1;
    }
    for (let word = this.fullWordsBelow; word <= this.highestWordAtMost; word++) {
      const bits = words[word]!;
      let changes = bits ^ ((bits << 1) | previousBit);
      while (changes !== 0) {
        const lowest = changes & -changes;
        pushCode(codes, (word << 5) + 31 - Math.clz32(lowest));
        changes ^= lowest;
      }
      previousBit = bits >>> 31;
    }
    if (previousBit === 1) pushCode(codes, Math.max(this.fullWordsBelow, this.highestWordAtMost + 1) << 5);
    if (codes.length <= 4096) return String.fromCharCode(...codes);
    let key = '';
    for (let start = 0; start < codes.length; start += 4096) {
      key += String.fromCharCode(...codes.slice(start, start + 4096));
    }
    return key;
  }
}

function pushCode(codes: number[], value: number): void {
  if (value < 0x8000) codes.push(value);
  else codes.push(0x8000 | (value >>> 15), value & 0x7fff);
}
