import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) and resident memory of one process, read from /proc. */
const TICKS_PER_SECOND = 100; // Linux's USER_HZ

export function cpuSeconds(pid: number): number {
  // utime and stime are the 14th and 15th fields (cutime and cstime the 16th and 17th).
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds of a process and its children, those already exited included (the parent's cutime and
 * cstime hold what its reaped children used): Postgres's postmaster and every backend under it.
 */
export function treeCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = statFields(Number(entry));
      if (Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
    } catch {
      // ended meanwhile: its time is in the parent's cutime/cstime once reaped
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (state, ppid, …). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds a process tree used between sampleTree() and stop(). */
export function sampleTree(pid: number): { stop(): number } {
  const start = treeCpuSeconds(pid);
  return { stop: () => treeCpuSeconds(pid) - start };
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Samples a process every 250 ms; stop() returns CPU seconds used and the peak RSS seen. */
export function sampleProcess(pid: number): { stop(): { cpu: number; peakRssMb: number } } {
  const startCpu = cpuSeconds(pid);
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process ended; keep what was seen
    }
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return { cpu: cpuSeconds(pid) - startCpu, peakRssMb: Math.max(peak, rssMb(pid)) };
    },
  };
}
