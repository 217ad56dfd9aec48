import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanPath, joinPath } from './go-path.ts';

describe('cleanPath', () => {
  // Cases from Go's path/path_test.go.
  const table: [string, string][] = [
    ['', '.'],
    ['abc', 'abc'],
    ['abc/def', 'abc/def'],
    ['a/b/c', 'a/b/c'],
    ['.', '.'],
    ['..', '..'],
    ['../..', '../..'],
    ['../../abc', '../../abc'],
    ['/abc', '/abc'],
    ['/', '/'],
    ['abc/', 'abc'],
    ['abc/def/', 'abc/def'],
    ['/abc/', '/abc'],
    ['abc//def//ghi', 'abc/def/ghi'],
    ['//abc', '/abc'],
    ['abc/./def', 'abc/def'],
    ['/./abc/def', '/abc/def'],
    ['abc/def/ghi/../jkl', 'abc/def/jkl'],
    ['abc/def/../ghi/../jkl', 'abc/jkl'],
    ['abc/def/..', 'abc'],
    ['abc/def/../..', '.'],
    ['/abc/def/../..', '/'],
    ['abc/def/../../..', '..'],
    ['/abc/def/../../..', '/'],
    ['abc/./../def', 'def'],
  ];
  for (const [input, expected] of table) {
    it(`cleans ${JSON.stringify(input)} to ${JSON.stringify(expected)}`, () => {
      assert.equal(cleanPath(input), expected);
    });
  }
});

describe('joinPath', () => {
  const table: [string[], string][] = [
    [[], ''],
    [['', ''], ''],
    [['a', 'b'], 'a/b'],
    [['a', ''], 'a'],
    [['', 'b'], 'b'],
    [['/', 'a'], '/a'],
    [['a/', 'b/'], 'a/b'],
    [['prefix', 'x//y'], 'prefix/x/y'],
  ];
  for (const [elements, expected] of table) {
    it(`joins ${JSON.stringify(elements)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(joinPath(...elements), expected);
    });
  }
});
