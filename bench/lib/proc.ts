import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) and resident memory of one process, read from /proc. */
const TICKS_PER_SECOND = 100; // Linux's USER_HZ

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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
