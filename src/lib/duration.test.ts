import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatGoDuration, HOUR, MILLISECOND, MINUTE, parseGoDuration, SECOND } from './duration.ts';

describe('parseGoDuration', () => {
  const table: [string, number | undefined][] = [
    ['0', 0],
    ['15s', 15 * SECOND],
    ['15.0s', 15 * SECOND],
    ['0.001s', MILLISECOND],
    ['120000ms', 120 * SECOND],
    ['1ms', MILLISECOND],
    ['1h2m3s', HOUR + 2 * MINUTE + 3 * SECOND],
    ['-1.5h', -1.5 * HOUR],
    ['1.5us', 1500],
    ['1µs', 1000],
    ['9.88494610786438s', 9_884_946_108],
    ['.5s', 500 * MILLISECOND],
    ['', undefined],
    ['s', undefined],
    ['10', undefined],
    ['1x', undefined],
    ['1s2', undefined],
    ['.s', undefined],
    ['--1s', undefined],
  ];
  for (const [text, expected] of table) {
    it(`reads ${JSON.stringify(text)} as ${expected}`, () => assert.equal(parseGoDuration(text), expected));
  }
});

describe('formatGoDuration', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [15 * SECOND, '15s'],
    [90 * SECOND, '1m30s'],
    [24 * HOUR, '24h0m0s'],
    [1.5 * MILLISECOND, '1.5ms'],
    [10 * SECOND, '10s'],
    [-2 * SECOND, '-2s'],
    [500, '500ns'],
  ];
  for (const [ns, text] of table) {
    it(`writes ${ns} as ${text}`, () => assert.equal(formatGoDuration(ns), text));
  }

  it('round-trips whole milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (ms) => {
        assert.equal(parseGoDuration(formatGoDuration(ms * MILLISECOND)), ms * MILLISECOND);
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseGoDuration(text)));
  });
});
