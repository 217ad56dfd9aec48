import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommandShape, normalizeConsulArgv } from './argv-normalizer.ts';

const globalValueFlags = ['http-addr', 'token', 'datacenter'];
const globalBooleanFlags = ['stale', 'help'];

function leaf(valueFlags: string[] = [], booleanFlags: string[] = []): CommandShape {
  return {
    subcommands: new Map(),
    valueFlags: new Set([...globalValueFlags, ...valueFlags]),
    booleanFlags: new Set([...globalBooleanFlags, ...booleanFlags]),
  };
}

function group(subcommands: Record<string, CommandShape>): CommandShape {
  return { ...leaf(), subcommands: new Map(Object.entries(subcommands)) };
}

const root = group({
  members: leaf(['status'], ['detailed', 'wan']),
  kv: group({
    get: leaf(['separator'], ['recurse', 'keys', 'detailed', 'base64']),
    put: leaf(['modify-index', 'flags', 'session'], ['cas', 'base64', 'acquire', 'release']),
    delete: leaf(['modify-index'], ['recurse', 'cas']),
  }),
});

describe('normalizeConsulArgv', () => {
  const table: [string, string[], string[]][] = [
    ['leaves plain commands alone', ['kv', 'get', 'foo'], ['kv', 'get', 'foo']],
    [
      'doubles the dash of single-dash booleans',
      ['kv', 'get', '-recurse', 'foo'],
      ['kv', 'get', '--recurse', 'foo'],
    ],
    [
      'keeps single-dash values joined',
      ['members', '-http-addr=127.0.0.1:9500'],
      ['members', '--http-addr=127.0.0.1:9500'],
    ],
    ['joins a separate value to its flag', ['members', '-status', 'alive'], ['members', '--status=alive']],
    [
      'joins a value that starts with a dash',
      ['kv', 'put', '-session', '-x', 'k'],
      ['kv', 'put', '--session=-x', 'k'],
    ],
    [
      'handles -cas -modify-index=N',
      ['kv', 'put', '-cas', '-modify-index=5', 'k', 'v'],
      ['kv', 'put', '--cas', '--modify-index=5', 'k', 'v'],
    ],
    [
      'accepts two dashes too',
      ['kv', 'get', '--recurse', '--separator', '/', 'p'],
      ['kv', 'get', '--recurse', '--separator=/', 'p'],
    ],
    ['reads Go booleans set to true', ['kv', 'get', '-recurse=true', 'p'], ['kv', 'get', '--recurse', 'p']],
    ['drops Go booleans set to false', ['kv', 'get', '-recurse=false', '-keys=0', 'p'], ['kv', 'get', 'p']],
    [
      'keeps global flags given before the command',
      ['-http-addr=x:1', 'members'],
      ['--http-addr=x:1', 'members'],
    ],
    ['leaves short flags short', ['kv', 'get', '-h'], ['kv', 'get', '-h']],
    ['treats a lone dash as data (stdin)', ['kv', 'put', 'k', '-'], ['kv', 'put', 'k', '-']],
    [
      'stops flag parsing at the first positional, like Go',
      ['kv', 'put', 'k', '-not-a-flag'],
      ['kv', 'put', '--', 'k', '-not-a-flag'],
    ],
    ['passes everything after -- through', ['kv', 'put', '--', '-k', 'v'], ['kv', 'put', '--', '-k', 'v']],
    [
      'passes unknown flags through for commander to report',
      ['members', '-bogus=1'],
      ['members', '--bogus=1'],
    ],
    ['passes unknown commands through', ['bogus', '-recurse'], ['bogus', '--recurse']],
    ['handles a value flag at the end of the line', ['members', '-status'], ['members', '--status']],
  ];
  for (const [name, argv, expected] of table) {
    it(name, () => assert.deepEqual(normalizeConsulArgv(argv, root), expected));
  }
});
