/**
 * Preloaded into the agent by `bench:health --cpu-prof` (NODE_OPTIONS=--import, since Node 20
 * refuses --cpu-prof there): the first SIGUSR2 starts V8's CPU profiler in the agent's own
 * isolate, the second stops it and writes the profile to $CAIRN_BENCH_CPU_PROFILE (a
 * .cpuprofile file for Chrome DevTools or `speedscope`), so the profile covers exactly the
 * bench's window; it then logs `process.memoryUsage()` to stderr (the agent's log). Cairn itself
 * does not use SIGUSR2.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const path = process.env.CAIRN_BENCH_CPU_PROFILE;
if (path !== undefined && path !== '') {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    profiling = false;
    session.post('Profiler.stop', (error, result) => {
      if (error === null) {
        writeFileSync(`${path}.partial`, JSON.stringify(result.profile));
        renameSync(`${path}.partial`, path);
        process.stderr.write(`health-profiler: memory ${JSON.stringify(process.memoryUsage())}\n`);
      } else process.stderr.write(`health-profiler: ${error.message}\n`);
    });
  });
}
