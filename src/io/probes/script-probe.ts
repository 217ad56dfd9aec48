import { type ChildProcess, spawn } from 'node:child_process';
import { formatGoDuration, MILLISECOND } from '../../lib/duration.ts';
import type { ProbeResult, ScriptProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import { errnoText, nodeErrorFields } from './go-errors.ts';
import { OutputTail } from './output-tail.ts';

/** How long a killed script may take to be reaped before the probe answers anyway. */
const EXIT_AFTER_KILL_MS_MAX = 1000;

/**
 * Consul's `CheckMonitor` with `Args`: runs `args[0]` with the rest as arguments (no shell),
 * stdout and stderr into one bounded buffer that keeps the last bytes; exit 0 is passing, 1
 * warning, anything else (a signal included) critical.
 *
 * The script runs in its own process group (Consul sets `Setpgid`; Node's `detached` makes a
 * new session, which is a new group too). At the timeout or an abort the whole group gets
 * SIGKILL (Consul's `KillCommandSubtree`) and the pipes are destroyed, so a grandchild holding
 * them open cannot keep the probe or its file descriptors alive. Like Go's `cmd.Wait`, a normal
 * finish waits for the pipes to close as well as for the exit: a background child that keeps
 * stdout open makes the check time out, as it does in Consul.
 */
export async function probeScript(spec: ScriptProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const [command, ...args] = spec.args;
  if (command === undefined) return { status: 'critical', output: 'need an executable to run' };
  let child: ChildProcess;
  try {
    child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return { status: 'critical', output: startErrorText(command, error) };
  }
  const output = new OutputTail(spec.outputMaxBytes);
  child.stdout?.on('data', (chunk: Buffer) => output.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.write(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const finished = new Promise<{ code: number | null } | { error: Error }>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('close', (code) => resolve({ code }));
  });
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  try {
    const outcome = await deadline.until(finished);
    if (outcome.done) {
      if ('error' in outcome.value)
        return { status: 'critical', output: startErrorText(command, outcome.value.error) };
      const code = outcome.value.code;
      const status = code === 0 ? 'passing' : code === 1 ? 'warning' : 'critical';
      return { status, output: capturedText(output) };
    }
    killProcessGroup(child);
    await waitAtMost(exited, EXIT_AFTER_KILL_MS_MAX);
    if (outcome.cause === 'aborted') return ABORTED_RESULT;
    const captured = capturedText(output);
    const message = `Timed out (${formatGoDuration(spec.timeoutMs * MILLISECOND)}) running check`;
    return { status: 'critical', output: captured === '' ? message : `${message}\n\n${captured}` };
  } finally {
    child.stdout?.destroy();
    child.stderr?.destroy();
    deadline.dispose();
  }
}

/** Consul's output text: the kept tail, prefixed with what was dropped when the buffer overflowed. */
function capturedText(output: OutputTail): string {
  const text = output.text();
  if (!output.truncated) return text;
  return `Captured ${output.capacityBytes} of ${output.totalBytes} bytes\n...\n${text}`;
}

/** Go's `os/exec` wording: a bare name is looked up in PATH, a path is run as is. */
function startErrorText(command: string, error: unknown): string {
  const fields = nodeErrorFields(error);
  if (!command.includes('/') && (fields.code === 'ENOENT' || fields.code === 'EACCES')) {
    return `exec: ${JSON.stringify(command)}: executable file not found in $PATH`;
  }
  return `fork/exec ${command}: ${errnoText(fields)}`;
}

function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

async function waitAtMost(event: Promise<void>, waitMsMax: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMsMax);
  });
  await Promise.race([event, gaveUp]);
  clearTimeout(timer);
}
