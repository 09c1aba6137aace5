/** janitor and a VM whose launcher and claim are gone: its pid file names the qemu, which is stopped only if it is that VM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { limitsFor } from './cgroup.ts';
import { writeRecord } from './instance.ts';
import { janitor } from './janitor.ts';
import { instanceDir } from './paths.ts';
import { TEST_STATE_DIR } from './testing.ts';
import { vmFiles } from './vm.ts';
import { VM_NET } from './vm-plan.ts';

const stateDir = TEST_STATE_DIR;
const children: ChildProcess[] = [];
const exited = (c: ChildProcess) =>
  new Promise<boolean>((r) => (c.exitCode !== null || c.signalCode !== null ? r(true) : c.once('exit', () => r(true))));

/** A stand-in for qemu: a process whose command line carries what a VM's does (its name and its disk), or not. */
async function leftoverVm(id: string, looksLikeTheVm: boolean): Promise<ChildProcess> {
  const dir = instanceDir(stateDir, id);
  await mkdir(dir, { recursive: true });
  await writeRecord(stateDir, {
    id,
    imageRef: 'local-00000000000000000000',
    tier: 'nano',
    net: VM_NET,
    limits: limitsFor(512, 2),
    machine: 'vm',
  });
  const f = vmFiles(dir);
  await writeFile(f.disk, '');
  // `; true` keeps bash from exec'ing sleep, so the markers stay in this PID's command line.
  const c = spawn('bash', ['-c', 'sleep 120; true', ...(looksLikeTheVm ? [`kiln-${id}`, f.disk] : ['other'])], { stdio: 'ignore' });
  children.push(c);
  await writeFile(f.pidFile, `${c.pid}\n`);
  return c;
}

describe('local target: janitor and leftover VMs', () => {
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('stops the qemu its pid file names and removes the instance, but never a process that is not that VM', async () => {
    const vm = await leftoverVm(`vj${process.pid}`.slice(0, 12), true);
    const other = await leftoverVm(`vo${process.pid}`.slice(0, 12), false);
    const report = await janitor({ stateDir });
    expect(report.removed).toEqual(expect.arrayContaining([`vj${process.pid}`.slice(0, 12), `vo${process.pid}`.slice(0, 12)]));
    expect(report.left).toEqual([]);
    expect(await Promise.race([exited(vm), new Promise((r) => setTimeout(() => r(false), 10_000))])).toBe(true);
    expect(vm.signalCode).toBe('SIGTERM');
    expect(other.exitCode === null && other.signalCode === null).toBe(true);
    expect(existsSync(instanceDir(stateDir, `vj${process.pid}`.slice(0, 12)))).toBe(false);
  }, 60_000);
});
