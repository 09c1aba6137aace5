import { readFileSync } from 'node:fs';

/** CPUs this process may run on, as the kernel reports them (e.g. "1", "0-1"). */
export function cpusAllowed(): string {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? m[1] : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A CPU list as taskset -c takes it: "1", "0,2", "2-3". */
export function checkCpuList(cpus: string): boolean {
  return /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpus);
}
