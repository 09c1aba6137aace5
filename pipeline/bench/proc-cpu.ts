/**
 * CPU seconds by process name inside a box, for "where does a request's CPU go": each live process's own time plus
 * the time of the children it reaped, so gunicorn's recycled workers count under gunicorn and Postgres's exited
 * backends under postgres.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupPath } from '../../targets/local/cgroup.ts';

const TICKS_PER_SEC = 100;

/** The whole box's CPU time so far (cpuacct.usage, ns): every process in it, live or exited. */
export const boxCpuNs = async (id: string): Promise<number> =>
  Number((await readFile(join(groupPath('cpuacct', id), 'cpuacct.usage'), 'utf8')).trim());

async function pidsUnder(dir: string): Promise<number[]> {
  const own = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  const subs = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory());
  return [...own, ...(await Promise.all(subs.map((d) => pidsUnder(join(dir, d.name))))).flat()];
}

/** [name, CPU seconds] of one process: utime + stime + cutime + cstime (reaped children); undefined once it is gone. */
export async function processCpu(pid: number): Promise<[string, number] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields 14..17 of proc(5), counted from the state field that follows the name
  const [utime, stime, cutime, cstime] = stat
    .slice(close + 2)
    .split(' ')
    .slice(11, 15)
    .map(Number);
  return [stat.slice(stat.indexOf('(') + 1, close), (utime + stime + cutime + cstime) / TICKS_PER_SEC];
}

/** pid -> [name, CPU seconds]; a process that exits unreaped by a live one between two readings takes its time along. */
export async function cpuByPid(id: string): Promise<Map<number, [string, number]>> {
  const out = new Map<number, [string, number]>();
  for (const pid of await pidsUnder(groupPath('cpuacct', id))) {
    const cpu = await processCpu(pid);
    if (cpu) out.set(pid, cpu);
  }
  return out;
}

/** CPU seconds by process name spent between two readings (new processes count from zero). */
export function cpuDelta(before: Map<number, [string, number]>, after: Map<number, [string, number]>): Record<string, number> {
  const by: Record<string, number> = {};
  for (const [pid, [name, sec]] of after) by[name] = (by[name] ?? 0) + sec - (before.get(pid)?.[1] ?? 0);
  return Object.fromEntries(
    Object.entries(by)
      .filter(([, s]) => s >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, s]) => [k, Math.round(s * 10) / 10]),
  );
}
