import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { breadcrumbs, filterRows, folderRows, newKeyProblem, parentFolder } from './keys.ts';

describe('folderRows', () => {
  it('lists sub-folders first, then keys, each sorted, named relative to the folder', () => {
    const rows = folderRows(['app/', 'app/z', 'app/db/', 'app/a', 'app/cache/'], 'app/');
    assert.deepEqual(rows, [
      { key: 'app/cache/', name: 'cache/', folder: true },
      { key: 'app/db/', name: 'db/', folder: true },
      { key: 'app/a', name: 'a', folder: false },
      { key: 'app/z', name: 'z', folder: false },
    ]);
  });

  it('lists the root, leaves out the folder itself and sorts by code unit, not locale', () => {
    assert.deepEqual(
      folderRows(['b', 'B', 'a/'], '').map((row) => row.key),
      ['a/', 'B', 'b'],
    );
    assert.deepEqual(folderRows(['app/'], 'app/'), []);
    assert.deepEqual(folderRows([], 'gone/'), []);
  });

  it('keeps an empty segment as a folder named "/"', () => {
    assert.deepEqual(folderRows(['a//'], 'a/'), [{ key: 'a//', name: '/', folder: true }]);
  });
});

describe('filterRows', () => {
  const rows = folderRows(['app/Database/', 'app/cache', 'app/db-url'], 'app/');

  it('keeps rows whose relative name contains the search, ignoring case and spaces around', () => {
    assert.deepEqual(
      filterRows(rows, ' DB ').map((row) => row.key),
      ['app/db-url'],
    );
    assert.deepEqual(
      filterRows(rows, 'data').map((row) => row.key),
      ['app/Database/'],
    );
    assert.deepEqual(filterRows(rows, 'app'), []);
  });

  it('keeps every row for a blank search', () => {
    assert.deepEqual(filterRows(rows, '  '), rows);
  });
});

describe('breadcrumbs', () => {
  it('leads from the root to a folder, each crumb its own segment', () => {
    assert.deepEqual(breadcrumbs(''), []);
    assert.deepEqual(breadcrumbs('app/db/'), [
      { name: 'app/', prefix: 'app/' },
      { name: 'db/', prefix: 'app/db/' },
    ]);
  });

  it("leaves a key's own name out", () => {
    assert.deepEqual(breadcrumbs('app/db/url'), [
      { name: 'app/', prefix: 'app/' },
      { name: 'db/', prefix: 'app/db/' },
    ]);
    assert.deepEqual(breadcrumbs('top'), []);
  });
});

describe('parentFolder', () => {
  it('is the folder holding a key or a folder', () => {
    assert.equal(parentFolder('app/db/url'), 'app/db/');
    assert.equal(parentFolder('app/db/'), 'app/');
    assert.equal(parentFolder('app/'), '');
    assert.equal(parentFolder('top'), '');
    assert.equal(parentFolder('a//'), 'a/');
  });
});

describe('newKeyProblem', () => {
  it('refuses an empty name and a leading slash, accepts keys and folders', () => {
    assert.equal(newKeyProblem(''), 'Enter a key name.');
    assert.equal(newKeyProblem('/app'), 'A key cannot start with "/".');
    assert.equal(newKeyProblem('app/db'), undefined);
    assert.equal(newKeyProblem('app/'), undefined);
  });
});
