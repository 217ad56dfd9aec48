import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigFileReadError, type ConfigFilesRead, readConfigFiles } from './config-files.ts';

describe('readConfigFiles', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-config-'));
    mkdirSync(join(root, 'conf.d'));
    writeFileSync(join(root, 'conf.d', 'b.hcl'), 'b');
    writeFileSync(join(root, 'conf.d', 'a.json'), 'a');
    writeFileSync(join(root, 'conf.d', 'C.json'), 'C');
    writeFileSync(join(root, 'conf.d', 'notes.txt'), 'skip me');
    mkdirSync(join(root, 'conf.d', 'sub.json'));
    writeFileSync(join(root, 'conf.d', 'sub.json', 'inner.json'), 'never');
    writeFileSync(join(root, 'main.json'), 'main');
    writeFileSync(join(root, 'agent.conf'), 'conf');
    symlinkSync(join(root, 'main.json'), join(root, 'conf.d', 'link.json'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function read(...args: Parameters<typeof readConfigFiles>): ConfigFilesRead {
    const result = readConfigFiles(...args);
    if (result instanceof ConfigFileReadError) assert.fail(result.message);
    return result;
  }

  it("reads a directory's .json and .hcl files in byte order, skipping subdirectories", () => {
    const { files, warnings } = read([{ kind: 'dir', path: join(root, 'conf.d') }]);
    assert.deepEqual(
      files.map((file) => [file.name.slice(root.length + 1), file.text]),
      [
        ['conf.d/C.json', 'C'],
        ['conf.d/a.json', 'a'],
        ['conf.d/b.hcl', 'b'],
        ['conf.d/link.json', 'main'],
      ],
    );
    assert.deepEqual(warnings, [
      `skipping file ${join(root, 'conf.d', 'notes.txt')}, extension must be .hcl or .json, or config format must be set`,
    ]);
  });

  it('keeps the command-line order of files and directories', () => {
    const { files } = read([
      { kind: 'file', path: join(root, 'main.json') },
      { kind: 'dir', path: join(root, 'conf.d') },
      { kind: 'file', path: join(root, 'conf.d', 'a.json') },
    ]);
    assert.deepEqual(
      files.map((file) => file.text),
      ['main', 'C', 'a', 'b', 'main', 'a'],
    );
  });

  it('decides file or directory by looking, as Consul does', () => {
    const { files } = read([{ kind: 'file', path: join(root, 'conf.d') }]);
    assert.equal(files.length, 4);
  });

  it('skips a file without a known extension unless the format is forced', () => {
    const path = join(root, 'agent.conf');
    assert.deepEqual(read([{ kind: 'file', path }]), {
      files: [],
      warnings: [`skipping file ${path}, extension must be .hcl or .json, or config format must be set`],
    });
    assert.deepEqual(read([{ kind: 'file', path }], { formatForced: true }).files, [
      { name: path, text: 'conf' },
    ]);
  });

  it("reports a missing path in Consul's words", () => {
    const path = join(root, 'missing.json');
    const result = readConfigFiles([{ kind: 'file', path }]);
    assert.ok(result instanceof ConfigFileReadError);
    assert.equal(result.message, `config: Open failed on ${path}. open ${path}: no such file or directory`);
  });

  it('reads nothing from nothing', () => {
    assert.deepEqual(read([]), { files: [], warnings: [] });
  });
});
