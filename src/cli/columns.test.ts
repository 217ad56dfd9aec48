import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatColumns } from './columns.ts';

describe('formatColumns', () => {
  it('pads every column but the last to its widest cell plus two spaces', () => {
    const text = formatColumns([
      ['Node', 'Address', 'Status'],
      ['a-long-node', '10.0.0.1:8301', 'alive'],
    ]);
    assert.equal(text, 'Node         Address        Status\na-long-node  10.0.0.1:8301  alive');
  });

  it('uses a wider gap for tabwriter-style blocks and leaves no trailing spaces', () => {
    assert.equal(
      formatColumns(
        [
          ['Flags', '0'],
          ['Session', ''],
        ],
        6,
      ),
      'Flags        0\nSession',
    );
  });

  it('measures width without colour codes', () => {
    const red = '\u001b[31mfailed\u001b[39m';
    const lines = formatColumns([
      ['n1', red],
      ['n2', 'alive'],
    ]).split('\n');
    assert.equal(lines[0], `n1  ${red}`);
  });

  it('prints nothing for no rows', () => assert.equal(formatColumns([]), ''));
});
