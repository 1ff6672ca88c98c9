/**
 * CPU time of the calling thread alone (user + system, ms), from Linux's /proc/thread-self: the bench's
 * servers share one process with the simulator and the load generators, so process.cpuUsage() would count
 * theirs too. Clock ticks (10 ms) are coarse, so take it over a whole round. NaN where /proc is missing.
 */
import { readFileSync } from 'node:fs';

const msPerTick = 10;

export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * msPerTick;
  } catch {
    return Number.NaN;
  }
}
