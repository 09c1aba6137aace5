/** The running box: a detached wrapper that joins the groups and boots nspawn (again on reboot, exit 133). */
import { spawn } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';
import { groupPids, type Hierarchy } from './cgroup.ts';
import { netnsPath } from './net.ts';
import { procAlive, procStartTicks } from './owner.ts';

export interface BoxPaths {
  dir: string;
  root: string;
  seed: string;
}

export const machineName = (id: string) => `kiln-${id}`;

/** The wrapper script; its path carries the id, so `ps` and the janitor can tell whose it is. */
export function wrapperScript(id: string, p: BoxPaths, groups: Record<Hierarchy, string>, extraArgs: string[] = []): string {
  const joins = Object.values(groups)
    .map((g) => `echo $$ > '${g}/cgroup.procs'`)
    .join('\n');
  const nspawn = [
    'systemd-nspawn',
    '-b',
    '-D',
    p.root,
    '-M',
    machineName(id),
    '--register=no',
    '--keep-unit',
    // --private-network next to the netns path, or the guest loses CAP_NET_ADMIN.
    '--private-network',
    `--network-namespace-path=${netnsPath(id)}`,
    `--bind-ro=${p.seed}:/var/lib/cloud/seed/nocloud`,
    '--link-journal=no',
    '--resolv-conf=off',
    '--timezone=off',
    '--console=read-only',
    ...extraArgs,
  ]
    .map((a) => `'${a}'`)
    .join(' ');
  return `#!/bin/bash
# kiln local box ${id}: joins the box's cgroups, then boots it; exit 133 is an in-guest reboot.
set -u
${joins}
boots=0
while :; do
  boots=$((boots + 1))
  echo "boot $boots start $(date +%s.%N)" >> '${join(p.dir, 'events')}'
  ${nspawn}
  rc=$?
  echo "boot $boots exit $rc $(date +%s.%N)" >> '${join(p.dir, 'events')}'
  [ "$rc" -eq 133 ] || exit "$rc"
done
`;
}

export interface Wrapper {
  pid: number;
  startTicks: number;
}

export async function startWrapper(id: string, p: BoxPaths, groups: Record<Hierarchy, string>, extraArgs: string[] = []): Promise<Wrapper> {
  const script = join(p.dir, `boot-kiln-${id}.sh`);
  await writeFile(script, wrapperScript(id, p, groups, extraArgs), { mode: 0o755 });
  const log = await open(join(p.dir, 'console.log'), 'a');
  try {
    const child = spawn('/bin/bash', [script], { detached: true, stdio: ['ignore', log.fd, log.fd] });
    const pid = child.pid;
    if (!pid) throw new Error('could not start the boot wrapper');
    child.unref();
    return { pid, startTicks: (await procStartTicks(pid)) ?? 0 };
  } finally {
    await log.close();
  }
}

/** The container's PID 1 as seen from the host (NSpid ends in 1 inside a nested PID namespace). */
export async function findLeader(id: string): Promise<number | undefined> {
  for (const pid of await groupPids(id)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
    if (nspid.length >= 2 && nspid.at(-1) === '1') return pid;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(check: () => Promise<boolean>, timeoutSec: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (!(await check())) return true;
    await sleep(200);
  }
  return !(await check());
}

/** Orderly poweroff inside, then TERM and KILL by PID for whatever is left in the box's groups. */
export async function stopBox(id: string, wrapper: Wrapper | undefined, graceSec = 20): Promise<void> {
  const wrapperAlive = () => procAlive(wrapper?.pid, wrapper?.startTicks);
  const leader = await findLeader(id);
  if (leader) {
    await run('nsenter', ['-t', String(leader), '-m', '-p', '-u', '-i', '--', 'systemctl', 'poweroff', '--no-block'], {
      allowFail: true,
      timeout: 10_000,
    });
    await waitGone(async () => (await wrapperAlive()) || (await findLeader(id)) !== undefined, graceSec);
  }
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    const pids = await groupPids(id);
    if (wrapper && (await wrapperAlive())) pids.push(wrapper.pid);
    if (!pids.length) return;
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
    await waitGone(async () => (await groupPids(id)).length > 0 || (await wrapperAlive()), 5);
  }
}
