/** Box-sized /proc views (meminfo, cpuinfo, stat, uptime, swaps) from an lxcfs per box, so `free` shows the tier. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { say } from './exec.ts';
import { mountsUnder } from '../../lib/fsutil.ts';
import { pidAlive } from './lock.ts';

export const LXCFS_BIN = '/usr/bin/lxcfs';
const FILES = ['meminfo', 'cpuinfo', 'stat', 'uptime', 'swaps'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/*
 * nspawn cannot bind a file that lives on a FUSE mount, but it can bind the directory: the box binds
 * the files over /proc itself, early in boot. Written into the instance's overlay only.
 */
const UNIT = `[Unit]
Description=kiln local target: box-sized /proc files from lxcfs
DefaultDependencies=no
ConditionPathExists=/var/lib/lxcfs/proc/meminfo
Before=sysinit.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for f in ${FILES.join(' ')}; do mount --bind /var/lib/lxcfs/proc/$f /proc/$f; done'
`;

/** Starts lxcfs on DIR/lxcfs (outside the box's groups: its memory is not the box's); undefined if it cannot. */
export async function startLxcfs(dir: string): Promise<string | undefined> {
  if (!existsSync(LXCFS_BIN) || !existsSync('/dev/fuse')) return undefined;
  const mnt = join(dir, 'lxcfs');
  await mkdir(mnt, { recursive: true });
  const log = await open(join(dir, 'lxcfs.log'), 'a');
  try {
    const child = spawn(LXCFS_BIN, ['-f', '-p', join(dir, 'lxcfs.pid'), mnt], { detached: true, stdio: ['ignore', log.fd, log.fd] });
    child.unref();
  } finally {
    await log.close();
  }
  for (let i = 0; i < 50; i++) {
    if ((await mountsUnder(mnt)).length && existsSync(join(mnt, 'proc/meminfo'))) return mnt;
    await sleep(100);
  }
  say("lxcfs did not come up: the box will see the host's /proc/meminfo (measure memory from the cgroup)");
  await stopLxcfs(dir);
  return undefined;
}

export async function installLxcfsUnit(root: string): Promise<void> {
  const unit = 'kiln-local-lxcfs.service';
  await writeFile(join(root, 'etc/systemd/system', unit), UNIT);
  await mkdir(join(root, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
  await symlink(`/etc/systemd/system/${unit}`, join(root, 'etc/systemd/system/sysinit.target.wants', unit)).catch(() => undefined);
}

/** Stops this box's lxcfs by its pidfile (checking the PID still runs lxcfs for this dir). */
export async function stopLxcfs(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, 'lxcfs.pid'), 'utf8').catch(() => '')).trim());
  if (!pid) return;
  const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
  if (!cmd.includes(join(dir, 'lxcfs'))) return;
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, sig);
    } catch {
      return;
    }
    for (let i = 0; i < 30 && pidAlive(pid); i++) await sleep(100);
    if (!pidAlive(pid)) return;
  }
}
