import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// Captured before the parser loads, to check that loading it changes nothing.
const stackTraceLimitBefore = Error.stackTraceLimit;
const hadGlobalRequire = 'require' in globalThis;
const { parseHclV1 } = await import('./hcl-v1.ts');

describe('parseHclV1', () => {
  it('reads blocks as lists of objects, as Go’s hcl.Decode does', () => {
    assert.deepEqual(parseHclV1('a = 1\nb { c = "d" }\ne = [true, 1.5]'), {
      ok: true,
      value: { a: 1, b: [{ c: 'd' }], e: [true, 1.5] },
    });
  });

  it('reports the parser’s message', () => {
    assert.deepEqual(parseHclV1('a = "x'), { ok: false, message: 'At 1:7: literal not terminated' });
  });

  it('leaves the process as it found it', () => {
    assert.equal(Error.stackTraceLimit, stackTraceLimitBefore);
    assert.equal('require' in globalThis, hadGlobalRequire);
  });
});
