import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from './seeded-random.ts';
import { SimFileSystem, SimulatedPowerCut } from './sim-file-system.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
/** Crash outcomes chosen by a constant: 0 loses every unsynced tail and reverts truncations. */
const loseEverything = { next: () => 0 };
/** 0.999 keeps every unsynced tail whole, ungarbled, and persists truncations. */
const keepEverything = { next: () => 0.999 };

/** A disk with directory `d` durable, holding `d/f` durable with `synced`. */
function diskWithFile(synced: string): {
  disk: SimFileSystem;
  file: ReturnType<SimFileSystem['openAppend']>;
} {
  const disk = new SimFileSystem();
  disk.makeDirectory('d');
  disk.syncDirectory('');
  const file = disk.openAppend('d/f');
  file.append(bytes(synced));
  file.sync();
  disk.syncDirectory('d');
  return { disk, file };
}

describe('SimFileSystem', () => {
  it('reads back what was appended, lists sorted, and reports errors with codes', () => {
    const disk = new SimFileSystem();
    disk.makeDirectory('/a/b');
    for (const name of ['z', 'x', 'y']) disk.openAppend(`a/b/${name}`).close();
    assert.deepEqual(disk.list('a/b'), ['x', 'y', 'z']);
    assert.deepEqual(disk.list('/a'), ['b']);
    const file = disk.openAppend('a/b/x');
    file.append(bytes('hello'));
    file.truncate(4);
    file.append(bytes(' world'));
    assert.equal(file.size, 10);
    assert.equal(text(disk.readFile('a/b/x')), 'hell world');
    assert.equal(disk.exists('a/b/x'), true);
    assert.equal(disk.exists('a/b/nope'), false);
    assert.throws(() => disk.readFile('a/b/nope'), { code: 'ENOENT' });
    assert.throws(() => disk.list('a/nope'), { code: 'ENOENT' });
    assert.throws(() => disk.openAppend('nope/f'), { code: 'ENOENT' });
    assert.throws(() => disk.remove('a/b'), { code: 'EISDIR' });
    assert.throws(() => file.truncate(11), { code: 'EINVAL' });
    file.close();
    assert.throws(() => file.append(bytes('!')), { code: 'EBADF' });
  });

  it('keeps synced bytes and loses the unsynced tail when the crash says so', () => {
    const { disk, file } = diskWithFile('abc');
    file.append(bytes('def'));
    disk.crash(loseEverything);
    assert.equal(text(disk.readFile('d/f')), 'abc');
  });

  it('tears an unsynced tail to a random prefix, sometimes garbling its last bytes', () => {
    const outcomes = new Set<string>();
    const random = new SeededRandom(7);
    for (let run = 0; run < 300; run++) {
      const { disk, file } = diskWithFile('abc');
      file.append(bytes('defghijk'));
      disk.crash(random);
      const after = text(disk.readFile('d/f'));
      assert.ok(after.startsWith('abc'), `synced bytes lost: ${after}`);
      assert.ok(after.length <= 11);
      if (after === 'abc') outcomes.add('lost');
      else if (after === 'abcdefghijk') outcomes.add('whole');
      else if ('abcdefghijk'.startsWith(after)) outcomes.add('torn');
      else outcomes.add('garbled');
    }
    assert.deepEqual([...outcomes].sort(), ['garbled', 'lost', 'torn', 'whole']);
  });

  it('reverts an unsynced truncation, or persists it with a torn prefix of the later appends', () => {
    const first = diskWithFile('abcdef');
    first.file.truncate(2);
    first.file.append(bytes('XY'));
    first.disk.crash(loseEverything);
    assert.equal(text(first.disk.readFile('d/f')), 'abcdef');

    const second = diskWithFile('abcdef');
    second.file.truncate(4);
    second.file.truncate(2);
    second.file.append(bytes('XY'));
    second.disk.crash(keepEverything);
    assert.equal(text(second.disk.readFile('d/f')), 'abXY');

    const third = diskWithFile('abcdef');
    third.file.truncate(2);
    third.file.sync();
    third.disk.crash(loseEverything);
    assert.equal(text(third.disk.readFile('d/f')), 'ab');
  });

  it('forgets a created file whose directory was not synced, even if the file was', () => {
    const disk = new SimFileSystem();
    disk.makeDirectory('d');
    disk.syncDirectory('');
    const file = disk.openAppend('d/new');
    file.append(bytes('data'));
    file.sync();
    disk.crash(keepEverything);
    assert.equal(disk.exists('d/new'), false);
    assert.deepEqual(disk.list('d'), []);
  });

  it('brings back a removed file and undoes a rename until the directory is synced', () => {
    const { disk, file } = diskWithFile('old');
    file.close();
    const replacement = disk.openAppend('d/f.tmp');
    replacement.append(bytes('new'));
    replacement.sync();
    disk.rename('d/f.tmp', 'd/f');
    disk.crash(keepEverything);
    assert.equal(text(disk.readFile('d/f')), 'old');
    assert.deepEqual(disk.list('d'), ['f']);

    disk.remove('d/f');
    disk.crash(keepEverything);
    assert.equal(text(disk.readFile('d/f')), 'old');

    const again = disk.openAppend('d/g');
    again.append(bytes('new'));
    again.sync();
    disk.rename('d/g', 'd/f');
    disk.syncDirectory('d');
    disk.crash(loseEverything);
    assert.equal(text(disk.readFile('d/f')), 'new');
    assert.deepEqual(disk.list('d'), ['f']);
  });

  it('may keep an oldest-first run of unsynced namespace changes, as a journal commits them', () => {
    const outcomes = new Set<string>();
    const random = new SeededRandom(3);
    for (let run = 0; run < 200; run++) {
      const disk = new SimFileSystem();
      disk.makeDirectory('d');
      disk.syncDirectory('');
      for (const name of ['a', 'b', 'c']) disk.openAppend(`d/${name}`).close();
      disk.remove('d/a');
      disk.crash(random);
      outcomes.add(disk.list('d').join(''));
    }
    // Changes in order: +a, +b, +c, -a. Only prefixes of that sequence can survive.
    assert.deepEqual([...outcomes].sort(), ['', 'a', 'ab', 'abc', 'bc']);
  });

  it('may write appends made after a lost truncation over the old bytes in place', () => {
    const outcomes = new Set<string>();
    const random = new SeededRandom(11);
    for (let run = 0; run < 200; run++) {
      const { disk, file } = diskWithFile('abcdef');
      file.truncate(2);
      file.append(bytes('XYZ'));
      disk.crash(random);
      outcomes.add(text(disk.readFile('d/f')));
    }
    for (const outcome of outcomes) {
      // Reverted (old size, maybe overwritten in place), or cut with a torn, maybe garbled, tail.
      const possible =
        outcome.length === 6
          ? ['abcdef', 'abXdef', 'abXYef', 'abXYZf'].includes(outcome)
          : outcome.startsWith('ab') && outcome.length <= 5;
      assert.ok(possible, `impossible outcome ${outcome}`);
    }
    assert.ok(
      outcomes.has('abcdef') && outcomes.has('abXYZf') && outcomes.has('ab'),
      [...outcomes].join(', '),
    );
  });

  it('loses a directory that was not synced into its parent, with everything under it', () => {
    const disk = new SimFileSystem();
    disk.makeDirectory('a/b');
    disk.syncDirectory('a');
    const file = disk.openAppend('a/b/f');
    file.sync();
    disk.syncDirectory('a/b');
    disk.crash(keepEverything);
    assert.equal(disk.exists('a'), false);
    assert.equal(disk.exists('a/b/f'), false);
  });

  it('invalidates handles opened before a crash', () => {
    const { disk, file } = diskWithFile('abc');
    disk.crash(loseEverything);
    assert.throws(() => file.append(bytes('x')), { code: 'EBADF' });
    assert.throws(() => file.sync(), { code: 'EBADF' });
  });

  it('fails the next sync on request and makes nothing durable', () => {
    const { disk, file } = diskWithFile('abc');
    file.append(bytes('def'));
    disk.failNextSync();
    assert.throws(() => file.sync(), { code: 'EIO' });
    assert.equal(disk.syncCount, 1);
    disk.crash(loseEverything);
    assert.equal(text(disk.readFile('d/f')), 'abc');
  });

  it('refuses appends with ENOSPC while the disk is full', () => {
    const { disk, file } = diskWithFile('abc');
    disk.fillDisk();
    assert.throws(() => file.append(bytes('def')), { code: 'ENOSPC' });
    assert.equal(file.size, 3);
    disk.freeDisk();
    file.append(bytes('def'));
    assert.equal(text(disk.readFile('d/f')), 'abcdef');
  });

  it('cuts the power after a number of operations until the crash', () => {
    const { disk, file } = diskWithFile('abc');
    disk.schedulePowerCut(2);
    file.append(bytes('d'));
    file.append(bytes('e'));
    assert.throws(() => file.append(bytes('f')), SimulatedPowerCut);
    assert.throws(() => disk.readFile('d/f'), SimulatedPowerCut);
    disk.crash(keepEverything);
    assert.equal(text(disk.readFile('d/f')), 'abcde');
    disk.openAppend('d/f').append(bytes('g'));
  });

  it('counts file and directory syncs', () => {
    const { disk, file } = diskWithFile('abc');
    assert.equal(disk.syncCount, 1);
    assert.equal(disk.directorySyncCount, 2);
    file.sync();
    assert.equal(disk.syncCount, 2);
  });

  it('flips a byte durably for corruption tests', () => {
    const { disk } = diskWithFile('abc');
    disk.corruptByte('d/f', 1);
    disk.crash(loseEverything);
    assert.deepEqual([...disk.readFile('d/f')], [0x61, 0x62 ^ 0xff, 0x63]);
  });
});
