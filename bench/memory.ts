/**
 * Memory of a process, from Linux's /proc: apart from bench/support.ts so that a candidate run in
 * its own process (bench/large-message-child.ts) can import it without bundling vite and vitest.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** VmHWM (peak RSS) and VmRSS of a process, in bytes, from /proc/<pid>/status. */
export function procMemory(pid: number | 'self' = 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets this process's VmHWM to its RSS now (Linux: "5" to clear_refs), so the peak that follows is the work's own. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; answers the peak seen (and VmHWM where readable). */
export function sampleRss(pid: number | 'self' = 'self', everyMs = 20): { stop(): number } {
  let peak = 0;
  const read = () => {
    try {
      const m = procMemory(pid);
      peak = Math.max(peak, m.rss, pid === 'self' ? 0 : m.peak);
    } catch {
      // The process has exited: the peak so far stands.
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      read();
      clearInterval(timer);
      return peak;
    },
  };
}

