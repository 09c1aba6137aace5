/** Removes everything a launch created, in dependency order; safe to run on a half-made box. */
import { run } from './exec.ts';
import { mountsUnder, removeTree } from '../../lib/fsutil.ts';
import { removeGroups } from './cgroup.ts';
import { stopBox, type Wrapper } from './box.ts';
import { releaseSubnets, removeNetwork } from './net.ts';
import { releaseId } from './owner.ts';
import { stopLxcfs } from './lxcfs.ts';
import { instanceDir } from './paths.ts';
import { readRecord } from './instance.ts';
import { qemuFromPidFile } from './vm.ts';

/** Returns what could not be removed (empty = nothing left). */
export async function teardown(id: string, stateDir: string | undefined, wrapper?: Wrapper, graceSec = 20): Promise<string[]> {
  const left: string[] = [];
  // A VM's disk is thrown away, so qemu just gets TERM (it exits cleanly) by PID; a lost claim's qemu is named by its pid file.
  // (The image has no udev, so logind never sees an ACPI power button: an in-guest poweroff would only add a wait.)
  if (stateDir && !wrapper && (await readRecord(stateDir, id))?.machine === 'vm')
    wrapper = await qemuFromPidFile(instanceDir(stateDir, id), id);
  await stopBox(id, wrapper, graceSec);
  await removeNetwork(id);
  left.push(...(await removeGroups(id)));
  if (stateDir) {
    const dir = instanceDir(stateDir, id);
    await stopLxcfs(dir);
    for (const m of await mountsUnder(dir)) {
      const r = await run('umount', [m], { allowFail: true });
      if (r.exitCode !== 0) left.push(`mount ${m}: ${r.stderr}`);
    }
    if (!left.some((l) => l.startsWith('mount '))) await removeTree(dir);
  }
  await releaseSubnets(id);
  if (!left.length) await releaseId(id);
  return left;
}
