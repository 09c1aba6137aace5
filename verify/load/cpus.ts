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

/** Where a process runs: CPUs (taskset -c) and CPU priority (nice -n; negative needs root). */
export interface Placement {
  cpus?: string;
  nice?: number;
}

/** cmd prefixed with nice/taskset as `place` asks; a bare string is a CPU list. */
export function placed(place: Placement | string | undefined, cmd: string[]): string[] {
  const p = typeof place === 'string' ? { cpus: place } : (place ?? {});
  let out = cmd;
  if (p.cpus !== undefined) out = ['taskset', '-c', p.cpus, ...out];
  if (p.nice !== undefined && p.nice !== 0) out = ['nice', '-n', String(p.nice), ...out];
  return out;
}
