/**
 * A Lamport clock as serf keeps three of them (member intents, user events, queries; reference
 * §9.2). Times start at 1. `witness(v)` moves the clock past every time seen, so a message sent
 * after receiving another always carries a larger time. Times are JS numbers: exact below 2^53,
 * far beyond any count of events a pool will see.
 */
export class LamportClock {
  private counter: number;

  constructor(start = 1) {
    this.counter = start;
  }

  /** The current time: the value the next message will carry. */
  time(): number {
    return this.counter;
  }

  /** Advances by one and returns the new time. */
  increment(): number {
    this.counter += 1;
    return this.counter;
  }

  /** A time seen from elsewhere: afterwards `time() > seen`. */
  witness(seen: number): void {
    if (seen >= this.counter) this.counter = seen + 1;
  }
}
