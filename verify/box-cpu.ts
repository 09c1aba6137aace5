/**
 * The box's CPU time so far, in seconds, read the way its kind allows: a local container from its cpuacct cgroup on
 * this host (inside it /proc/stat is the host's), a whole machine (VM, EC2) from its own /proc/stat over SSH.
 * Differences of two readings around a load run give the CPU the box spent serving it; null = unknown (fails closed).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostDescription } from '../model/host.ts';
import type { Remote } from './checks/types.ts';

/** USER_HZ: /proc/stat counts in these ticks on every Linux the images run (the kernel ABI fixes it at 100). */
const TICKS_PER_SEC = 100;

/** Busy time of the machine's `cpu` line: every column but idle and iowait (steal counts: the CPU was not ours to use). */
export function parseProcStatBusySec(text: string): number | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const cols = line.trim().split(/\s+/).slice(1).map(Number);
  if (cols.length < 4 || cols.some((c) => !Number.isFinite(c))) return null;
  // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user and nice]
  const busy = cols.slice(0, 8).reduce((sum, c, i) => (i === 3 || i === 4 ? sum : sum + c), 0);
  return busy / TICKS_PER_SEC;
}

export type CpuReader = () => Promise<number | null>;

/** One reader per box; `remote` is only used for a whole machine. */
export function boxCpuReader(host: HostDescription, remote: Remote): CpuReader {
  if (host.cpuacctCgroupPath) {
    const file = join(host.cpuacctCgroupPath, 'cpuacct.usage');
    return async () => {
      const ns = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      return Number.isFinite(ns) && ns > 0 ? ns / 1e9 : null;
    };
  }
  return async () => {
    const r = await remote.exec('head -n 1 /proc/stat', { timeoutSec: 10 }).catch(() => null);
    return r && r.exitCode === 0 ? parseProcStatBusySec(r.stdout) : null;
  };
}
