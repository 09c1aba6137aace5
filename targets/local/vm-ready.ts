/** Waits for a booting VM: host keys on its console (as EC2 shows them), ssh answers, cloud-init done, every unit up. */
import { readFile, writeFile } from 'node:fs/promises';
import { parseHostKeys } from '../../model/host-keys.ts';
import type { Wrapper } from './box.ts';
import { procAlive } from './owner.ts';
import { BoxNotReadyError, settleOverSsh } from './ready.ts';
import { sshRun, type SshTarget } from './ssh.ts';
import { knownHostsLine } from './vm-plan.ts';

export interface VmReadyInput {
  id: string;
  consolePath: string;
  /** qemu's own stderr (a port it could not bind, a bad option). */
  qemuLogPath: string;
  qemu: Wrapper;
  target: SshTarget;
  /** Launch start (epoch ms): timings are relative to it. */
  t0: number;
  timeoutSec: number;
}

export interface VmTimings {
  hostKeyMs: number;
  sshMs: number;
  cloudInitMs: number;
  readyMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (s: string, lines: number) => s.trimEnd().split('\n').slice(-lines).join('\n');

/** What the guest says about itself: failed units over ssh when it answers, the console's tail always. */
async function diagnostics(r: VmReadyInput): Promise<{ units: string; journalTail: string }> {
  const res = await sshRun(
    r.target,
    'systemctl list-units --all --no-pager --plain --no-legend --state=failed,activating --type=service',
    15,
  );
  const console = await readFile(r.consolePath, 'utf8').catch(() => '');
  return {
    units: res.exitCode === 0 ? res.stdout : '(ssh did not answer)',
    journalTail: `--- console:\n${tail(console.replace(/\r/g, ''), 60)}`,
  };
}

export async function awaitVmReady(r: VmReadyInput): Promise<{ hostKey: string; timings: VmTimings }> {
  const deadline = r.t0 + r.timeoutSec * 1000;
  const ms = () => Date.now() - r.t0;
  const fail = async (stage: string): Promise<never> => {
    const d = await diagnostics(r);
    throw new BoxNotReadyError(r.id, stage, d.units, d.journalTail);
  };
  const poll = async <T>(stage: string, probe: () => Promise<T | undefined>, everyMs: number): Promise<T> => {
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (!(await procAlive(r.qemu.pid, r.qemu.startTicks))) {
        const why = (await readFile(r.qemuLogPath, 'utf8').catch(() => '')).trim();
        return fail(`${stage}: qemu exited${why ? `: ${tail(why, 5)}` : ''}`);
      }
      if (Date.now() > deadline) return fail(`${stage}: not within ${r.timeoutSec} s`);
      await sleep(everyMs);
    }
  };
  // cloud-init prints the keys it generated on the serial console: no trust-on-first-use over the network.
  const hostKey = await poll(
    'host key',
    async () => parseHostKeys(await readFile(r.consolePath, 'utf8').catch(() => '')).find((k) => k.startsWith('ssh-ed25519 ')),
    500,
  );
  const hostKeyMs = ms();
  await writeFile(r.target.knownHostsPath, knownHostsLine(r.target.address, r.target.port, hostKey));
  await poll('ssh', async () => ((await sshRun(r.target, 'true', 10)).exitCode === 0 ? true : undefined), 500);
  const sshMs = ms();
  const { cloudInitMs, readyMs } = await settleOverSsh({ target: r.target, deadline, timeoutSec: r.timeoutSec, retryMs: 500, ms, fail });
  return { hostKey, timings: { hostKeyMs, sshMs, cloudInitMs, readyMs } };
}
