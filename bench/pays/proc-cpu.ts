/** CPU seconds by process name inside a box (utime + stime of the live processes in its cpuacct tree), for "where does a request's CPU go". */
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

/** pid -> [name, CPU seconds]; processes that exit between two readings take their time with them. */
export async function cpuByPid(id: string): Promise<Map<number, [string, number]>> {
  const out = new Map<number, [string, number]>();
  for (const pid of await pidsUnder(groupPath('cpuacct', id))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const f = stat.slice(close + 2).split(' ');
    out.set(pid, [stat.slice(stat.indexOf('(') + 1, close), (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC]);
  }
  return out;
}

/** CPU seconds by process name spent between two readings (new processes count from zero). */
export function cpuDelta(before: Map<number, [string, number]>, after: Map<number, [string, number]>): Record<string, number> {
  const by: Record<string, number> = {};
  for (const [pid, [name, sec]] of after) by[name] = (by[name] ?? 0) + sec - (before.get(pid)?.[1] ?? 0);
  return Object.fromEntries(Object.entries(by).filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, s]) => [k, Math.round(s * 10) / 10]));
}
