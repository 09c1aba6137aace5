/** Waits for a booting box: host key generated, ssh answers, cloud-init done, every unit up. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';
import { describeMemoryAtBoot, type MemoryAtBoot } from '../target.ts';
import { findLeader, type Wrapper } from './box.ts';
import { memoryStats } from './cgroup.ts';
import { procAlive } from './owner.ts';
import { sshRun, type SshTarget } from './ssh.ts';

export class BoxNotReadyError extends Error {
  constructor(
    readonly id: string,
    readonly stage: string,
    readonly units: string,
    readonly journalTail: string,
    readonly memory?: MemoryAtBoot,
  ) {
    const mem = memory ? `\n--- memory: ${describeMemoryAtBoot(memory)}` : '';
    super(`box ${id} did not come up (${stage})${mem}\n--- units not active/failed:\n${units}\n--- journal tail:\n${journalTail}`);
    this.name = 'BoxNotReadyError';
  }
}

export interface ReadyInput {
  id: string;
  root: string;
  wrapper: Wrapper;
  target: SshTarget;
  knownHostsPath: string;
  /** Launch start (epoch ms): timings are relative to it. */
  t0: number;
  timeoutSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Unit states and journal tail straight from the box's systemd (works even when ssh does not). */
export async function diagnostics(id: string): Promise<{ units: string; journalTail: string }> {
  const leader = await findLeader(id);
  if (!leader) return { units: '(box not running)', journalTail: '(box not running)' };
  const inBox = (...cmd: string[]) =>
    run('nsenter', ['-t', String(leader), '-m', '-p', '-u', '-i', '--', ...cmd], { allowFail: true, timeout: 15_000 }).then(
      (r) => r.stdout || r.stderr,
    );
  const failed = (
    await inBox('systemctl', 'list-units', '--no-pager', '--plain', '--no-legend', '--state=failed,activating', '--type=service')
  )
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((u) => /^[A-Za-z0-9@._-]+\.service$/.test(u));
  // A failed or stuck unit's own lines first: the box-wide tail is mostly the readiness probe's ssh sessions.
  const own = await Promise.all(
    failed.map(async (u) => `--- ${u}:\n${await inBox('journalctl', '--no-pager', '-u', u, '-n', '30', '-o', 'cat')}`),
  );
  return {
    units: await inBox(
      'systemctl',
      'list-units',
      '--all',
      '--no-pager',
      '--plain',
      '--no-legend',
      '--state=failed,activating',
      '--type=service',
    ),
    journalTail: [...own, await inBox('journalctl', '--no-pager', '-n', '60', '-o', 'short-monotonic')].join('\n'),
  };
}

/** The box's memory cgroup: OOM kills and peak since it started, what it holds now (undefined once the group is gone). */
async function memoryAtBoot(id: string): Promise<MemoryAtBoot | undefined> {
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return memoryStats(id).then(
    (m) => ({ oomKills: m.oomKills, peakMiB: mib(m.maxUsageBytes), limitMiB: mib(m.limitBytes), heldMiB: mib(m.unreclaimableBytes) }),
    () => undefined,
  );
}

/**
 * Once ssh answers, box or whole machine: cloud-init done, then every unit up. cloud-init restarts sshd when it
 * applies ssh settings, so a dropped connection (ssh exits 255) is retried every `retryMs` until the deadline.
 */
export async function settleOverSsh(o: {
  target: SshTarget;
  deadline: number;
  timeoutSec: number;
  retryMs: number;
  ms: () => number;
  fail: (stage: string) => Promise<never>;
}): Promise<{ cloudInitMs: number; readyMs: number }> {
  const left = () => Math.max(5, Math.round((o.deadline - Date.now()) / 1000));
  const steady = async (cmd: string) => {
    for (;;) {
      const res = await sshRun(o.target, cmd, left());
      if (res.exitCode !== 255 || Date.now() > o.deadline) return res;
      await sleep(o.retryMs);
    }
  };
  const ci = await steady('cloud-init status --wait >/dev/null; cloud-init status --long');
  if (ci.exitCode !== 0 || !/status: done/.test(ci.stdout)) {
    await o.fail(
      `cloud-init: ${(ci.stdout || ci.stderr).trim() || (Date.now() > o.deadline ? `not done within ${o.timeoutSec} s` : `exit ${ci.exitCode}`)}`,
    );
  }
  const cloudInitMs = o.ms();
  const sys = await steady('systemctl is-system-running --wait');
  if (sys.stdout.trim() !== 'running')
    await o.fail(`systemd: ${sys.stdout.trim() || sys.stderr.trim() || `not running within ${o.timeoutSec} s`}`);
  return { cloudInitMs, readyMs: o.ms() };
}

export async function awaitReady(r: ReadyInput) {
  const deadline = r.t0 + r.timeoutSec * 1000;
  const ms = () => Date.now() - r.t0;
  const fail = async (stage: string): Promise<never> => {
    const d = await diagnostics(r.id);
    throw new BoxNotReadyError(r.id, stage, d.units, d.journalTail, await memoryAtBoot(r.id));
  };
  const poll = async <T>(stage: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (!(await procAlive(r.wrapper.pid, r.wrapper.startTicks))) return fail(`${stage}: systemd-nspawn exited; see console.log`);
      if (Date.now() > deadline) return fail(`${stage}: not within ${r.timeoutSec} s`);
      await sleep(150);
    }
  };
  // cloud-init writes the key on first boot; it is read from the overlay, so no trust-on-first-use over the net.
  const hostKey = await poll('host key', async () => {
    const text = await readFile(join(r.root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').catch(() => '');
    return /^ssh-ed25519 [A-Za-z0-9+/=]+/.exec(text)?.[0];
  });
  const hostKeyMs = ms();
  await writeFile(r.knownHostsPath, `${r.target.address} ${hostKey}\n`);
  await poll('ssh', async () => ((await sshRun(r.target, 'true', 10)).exitCode === 0 ? true : undefined));
  const sshMs = ms();
  const { cloudInitMs, readyMs } = await settleOverSsh({ target: r.target, deadline, timeoutSec: r.timeoutSec, retryMs: 300, ms, fail });
  return { hostKey, timings: { hostKeyMs, sshMs, cloudInitMs, readyMs } };
}
