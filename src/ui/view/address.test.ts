import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostPort } from './address.ts';

describe('hostPort', () => {
  it('joins host and port, bracketing IPv6', () => {
    assert.equal(hostPort('10.0.0.1', 8080), '10.0.0.1:8080');
    assert.equal(hostPort('::1', 8080), '[::1]:8080');
    assert.equal(hostPort('[::1]', 8080), '[::1]:8080');
  });

  it('leaves out a missing port', () => {
    assert.equal(hostPort('10.0.0.1', 0), '10.0.0.1');
    assert.equal(hostPort('::1', undefined), '::1');
  });
});
