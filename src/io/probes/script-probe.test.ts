import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ScriptProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeScript } from './script-probe.ts';
import { assertStoppedAtTimeout, until } from './testing/probe-targets.ts';

function shell(script: string, overrides: Partial<ScriptProbeSpec> = {}): ScriptProbeSpec {
  return {
    kind: 'script',
    args: ['/bin/sh', '-c', script],
    timeoutMs: 5000,
    outputMaxBytes: 4096,
    ...overrides,
  };
}

const never = new AbortController().signal;
const hasProc = existsSync('/proc/self/stat') ? false : 'needs /proc to watch processes and descriptors';

/** The state letter of a process (`Z` for a zombie), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    // "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Gone, or a zombie waiting for a parent that is not us (an orphan belongs to init). */
function isDead(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === 'Z';
}

/** Our own children left as zombies: what a probe that forgot to reap would leave. */
function zombieChildren(): number[] {
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' && Number(parent) === process.pid) zombies.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return zombies;
}

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('probeScript', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cairn-script-probe-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('is passing on exit 0, warning on 1, critical on anything else, with the output', async () => {
    assert.deepEqual(await probeScript(shell('echo fine'), never), { status: 'passing', output: 'fine\n' });
    assert.deepEqual(await probeScript(shell('echo careful; exit 1'), never), {
      status: 'warning',
      output: 'careful\n',
    });
    assert.deepEqual(await probeScript(shell('echo broken; exit 2'), never), {
      status: 'critical',
      output: 'broken\n',
    });
    assert.deepEqual(await probeScript(shell('kill -9 $$'), never), { status: 'critical', output: '' });
  });

  it('captures stdout and stderr together', async () => {
    const result = await probeScript(shell('echo out; echo err >&2; exit 0'), never);
    assert.equal(result.status, 'passing');
    assert.deepEqual(result.output.split('\n').sort(), ['', 'err', 'out']);
  });

  it('passes arguments without a shell', async () => {
    const result = await probeScript(
      { kind: 'script', args: ['/bin/echo', 'a  b', '$HOME', '*'], timeoutMs: 5000, outputMaxBytes: 4096 },
      never,
    );
    assert.deepEqual(result, { status: 'passing', output: 'a  b $HOME *\n' });
  });

  it('keeps the last bytes of a flood, with Consul\'s "Captured N of M bytes" prefix', async () => {
    const result = await probeScript(
      shell("head -c 100000 /dev/zero | tr '\\0' a; printf END", { outputMaxBytes: 10 }),
      never,
    );
    assert.deepEqual(result, {
      status: 'passing',
      output: 'Captured 10 of 100003 bytes\n...\naaaaaaaEND',
    });
  });

  it('kills the whole process group at the timeout, in Consul words', { skip: hasProc }, async () => {
    const pidFile = join(directory, 'sleeper.pid');
    const start = performance.now();
    const result = await probeScript(
      shell(`echo started; sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 }),
      never,
    );
    const elapsedMs = performance.now() - start;
    assert.deepEqual(result, { status: 'critical', output: 'Timed out (300ms) running check\n\nstarted\n' });
    assertStoppedAtTimeout(elapsedMs, 300);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    await until('the background sleep to be killed', () => isDead(sleeper));
  });

  it('times out when a background child keeps the output open, as Go cmd.Wait does', async () => {
    const result = await probeScript(shell('sleep 30 & echo done', { timeoutMs: 300 }), never);
    assert.deepEqual(result, { status: 'critical', output: 'Timed out (300ms) running check\n\ndone\n' });
  });

  it('kills the script when aborted', { skip: hasProc }, async () => {
    const pidFile = join(directory, 'aborted.pid');
    const controller = new AbortController();
    const probing = probeScript(
      shell(`echo $$ > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; exec sleep 30`, { timeoutMs: 60_000 }),
      controller.signal,
    );
    await until('the script to start', () => existsSync(pidFile));
    controller.abort();
    assert.deepEqual(await probing, ABORTED_RESULT);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until('the script to be killed', () => isDead(pid));
  });

  it('is critical with Go os/exec wording when the program cannot start', async () => {
    assert.deepEqual(
      await probeScript({ kind: 'script', args: [], timeoutMs: 1000, outputMaxBytes: 10 }, never),
      {
        status: 'critical',
        output: 'need an executable to run',
      },
    );
    const missing = await probeScript(
      { kind: 'script', args: ['/no/such/check'], timeoutMs: 1000, outputMaxBytes: 10 },
      never,
    );
    assert.deepEqual(missing, {
      status: 'critical',
      output: 'fork/exec /no/such/check: no such file or directory',
    });
    const notInPath = await probeScript(
      { kind: 'script', args: ['cairn-no-such-check'], timeoutMs: 1000, outputMaxBytes: 10 },
      never,
    );
    assert.deepEqual(notInPath, {
      status: 'critical',
      output: 'exec: "cairn-no-such-check": executable file not found in $PATH',
    });
  });

  it('leaves no zombie and no open descriptor behind, even when a grandchild escapes the group', {
    skip: hasProc,
  }, async () => {
    const escapedPidFile = join(directory, 'escaped.pid');
    const descriptorsBefore = openDescriptors();
    await Promise.all([
      probeScript(shell('echo a'), never),
      probeScript(shell('exit 3'), never),
      probeScript(shell('sleep 30 & echo held', { timeoutMs: 200 }), never),
      probeScript(shell('sleep 30', { timeoutMs: 200 }), never),
      // A new session: out of reach of the group kill, still holding the output pipe.
      probeScript(
        shell(`setsid sh -c 'echo $$ > ${escapedPidFile}; exec sleep 30' & wait`, { timeoutMs: 300 }),
        never,
      ),
    ]);
    try {
      await until('no zombie children', () => zombieChildren().length === 0);
      await until('descriptors back to where they were', () => openDescriptors() <= descriptorsBefore);
    } finally {
      await until('the escaped process to write its pid', () => existsSync(escapedPidFile));
      process.kill(Number(readFileSync(escapedPidFile, 'utf8')), 'SIGKILL');
    }
  });
});
