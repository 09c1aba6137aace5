/** Which accelerator a VM gets: KVM only when a tiny guest actually boots under it in time (nested KVM can hang). */
import { access, constants } from 'node:fs/promises';
import { run } from './exec.ts';
import type { Accelerator } from './vm-plan.ts';

/** A kernel without a root panics within a second under KVM; a hang past this means KVM is not usable here. */
export const KVM_PROBE_TIMEOUT_SEC = 15;

let probed: Promise<{ accel: Accelerator; reason: string }> | undefined;

/** Pure: did the probe's kernel get as far as looking for its root (so the CPU ran it)? */
export const kernelRan = (consoleText: string): boolean => /VFS: Unable to mount root fs|Kernel panic/.test(consoleText);

async function probe(vmlinuzPath: string): Promise<{ accel: Accelerator; reason: string }> {
  const usable = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!usable) return { accel: 'tcg', reason: '/dev/kvm absent or not writable' };
  // execa's timeout kills the qemu it started (by PID); -no-reboot turns the panic into an exit.
  const r = await run(
    'qemu-system-x86_64',
    [
      '-accel',
      'kvm',
      '-m',
      '128',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-no-reboot',
      '-kernel',
      vmlinuzPath,
      '-append',
      'console=ttyS0 panic=-1',
    ],
    { allowFail: true, timeout: KVM_PROBE_TIMEOUT_SEC * 1000, killSignal: 'SIGKILL' },
  );
  if (kernelRan(r.stdout)) return { accel: 'kvm', reason: 'a probe kernel booted under KVM' };
  return { accel: 'tcg', reason: `a probe kernel did not boot under KVM within ${KVM_PROBE_TIMEOUT_SEC} s (exit ${r.exitCode})` };
}

/** KILN_VM_ACCEL=kvm|tcg skips the probe; otherwise it runs once per process. */
export function chooseAccelerator(vmlinuzPath: string): Promise<{ accel: Accelerator; reason: string }> {
  const forced = process.env.KILN_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return Promise.resolve({ accel: forced, reason: 'KILN_VM_ACCEL' });
  probed ??= probe(vmlinuzPath);
  return probed;
}
