import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeFileSystem } from './node-file-system.ts';

describe('NodeFileSystem', () => {
  const root = mkdtempSync(join(tmpdir(), 'cairn-fs-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fileSystem = new NodeFileSystem();

  it('appends, truncates, syncs and reads back', () => {
    const path = join(root, 'a.log');
    const file = fileSystem.openAppend(path);
    file.append(new Uint8Array([1, 2, 3]));
    file.append(new Uint8Array([4, 5]));
    assert.equal(file.size, 5);
    file.truncate(2);
    file.append(new Uint8Array([9]));
    file.sync();
    file.close();
    assert.deepEqual(fileSystem.readFile(path), new Uint8Array([1, 2, 9]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 9]);
  });

  it('reopens an existing file at its end', () => {
    const path = join(root, 'b.log');
    const first = fileSystem.openAppend(path);
    first.append(new Uint8Array([7, 7]));
    first.close();
    const second = fileSystem.openAppend(path);
    assert.equal(second.size, 2);
    second.append(new Uint8Array([8]));
    second.close();
    assert.deepEqual(fileSystem.readFile(path), new Uint8Array([7, 7, 8]));
  });

  it('makes directories, lists sorted, renames, removes and syncs a directory', () => {
    const directory = join(root, 'x', 'y');
    fileSystem.makeDirectory(directory);
    fileSystem.makeDirectory(directory);
    for (const name of ['c', 'a', 'b']) fileSystem.openAppend(join(directory, name)).close();
    assert.deepEqual(fileSystem.list(directory), ['a', 'b', 'c']);
    fileSystem.rename(join(directory, 'a'), join(directory, 'd'));
    fileSystem.remove(join(directory, 'b'));
    fileSystem.syncDirectory(directory);
    assert.deepEqual(fileSystem.list(directory), ['c', 'd']);
    assert.equal(fileSystem.exists(join(directory, 'd')), true);
    assert.equal(fileSystem.exists(join(directory, 'a')), false);
  });

  it("keeps node's error codes", () => {
    assert.throws(() => fileSystem.readFile(join(root, 'missing')), { code: 'ENOENT' });
    assert.throws(() => fileSystem.remove(join(root, 'missing')), { code: 'ENOENT' });
    assert.throws(() => fileSystem.list(join(root, 'missing')), { code: 'ENOENT' });
    const file = fileSystem.openAppend(join(root, 'closed'));
    file.close();
    assert.throws(() => file.append(new Uint8Array([1])), { code: 'EBADF' });
  });
});
