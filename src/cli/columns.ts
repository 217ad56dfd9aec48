/**
 * Aligned columns without borders, as Consul prints them: `columnize` (two spaces between
 * columns; `members`, `catalog nodes`) and `tabwriter` with padding 6 (`kv get -detailed`,
 * `catalog services -tags`). Every column but the last is padded to its widest cell plus the
 * gap; lines carry no trailing spaces. cli-table3 measures width ignoring colour codes.
 */

import Table from 'cli-table3';

const noBorders = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
};

export function formatColumns(rows: readonly (readonly string[])[], gap = 2): string {
  if (rows.length === 0) return '';
  const table = new Table({
    chars: { ...noBorders, middle: ' '.repeat(gap) },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    wordWrap: false,
  });
  table.push(...rows.map((row) => [...row]));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
