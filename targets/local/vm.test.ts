/**
 * A nano image booted as a whole machine under qemu (KVM when it works here, else TCG): it comes up with its first boot
 * done, its kernel sees the tier's RAM less what it keeps, verify's meminfo reading works over SSH, and destroy leaves
 * no qemu behind. Prints the figures (boot seconds, MemTotal, Slab, PageTables, KernelStack) for the log.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshSession } from '../../verify/ssh.ts';
import { validateHost } from '../../model/host.ts';
import { machineMemoryCheck, osShareReading, type MachineMemory } from '../../verify/machine-memory.ts';
import { CANARY_MIX } from '../../verify/defaults.ts';
import { worstCasePlan } from '../../verify/worst-case/plan.ts';
import { runWorstCase } from '../../verify/worst-case/run.ts';
import { readImageBundle, stackUnits } from '../../model/image-bundle.ts';
import { bake, destroy } from './index.ts';
import type { VmHostDescription } from './instance.ts';
import { sshRun, type SshTarget } from './ssh.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from './testing.ts';
import { launchVm } from './vm.ts';

const stateDir = TEST_STATE_DIR;
const id = `v${process.pid}`.slice(0, 12);
let host: VmHostDescription | undefined;
let bundleDir = '';
const ssh = (h: VmHostDescription): SshTarget => ({
  address: h.address,
  port: h.port,
  user: h.user,
  keyPath: h.keyPath,
  knownHostsPath: h.knownHostsPath,
});

describe('local target: a nano image as a VM', () => {
  beforeAll(async () => {
    const bundle = await testBundle();
    bundleDir = bundle.dir;
    const image = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    host = await launchVm({ imageRef: image.ref, tier: 'nano', id, stateDir, readyTimeoutSec: 300 });
  }, 420_000);

  afterAll(async () => {
    if (host) await destroy(id, { stateDir }).catch((e: Error) => process.stderr.write(`cleanup destroy ${id}: ${e.message}\n`));
  }, 60_000);

  it("comes up: ssh answers with the pinned host key, cloud-init and kiln's first boot are done, nginx answers on the forwarded port", async () => {
    const h = host!;
    expect(h.machine).toBe('vm');
    expect(h.latencyJudged).toBe(h.accelerator === 'kvm');
    const r = await sshRun(
      ssh(h),
      'systemctl is-system-running; cloud-init status; test -f /var/lib/kiln/firstboot.done && echo firstboot-done; uname -r; nproc',
      60,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['running', 'status: done', 'firstboot-done', h.kernel, '2']);
    const res = await fetch(`http://127.0.0.1:${h.httpPort}/`, { signal: AbortSignal.timeout(30_000) });
    expect(res.headers.get('server') ?? '').toMatch(/nginx/);
    const t = h.timings;
    process.stdout.write(
      `vm figures: accelerator ${h.accelerator}; disk ${(t.diskMs / 1000).toFixed(1)} s, host key ${(t.hostKeyMs / 1000).toFixed(1)} s, `
        + `ssh ${(t.sshMs / 1000).toFixed(1)} s, first boot (cloud-init done) ${(t.cloudInitMs / 1000).toFixed(1)} s, all units ${(t.readyMs / 1000).toFixed(1)} s from launch\n`,
    );
  });

  it("sees the tier's 512 MiB less what the kernel keeps, read by verify's meminfo check over its own SSH", async () => {
    const session = await SshSession.connect(validateHost(host));
    try {
      const c = await machineMemoryCheck(session, 512);
      expect(c.status, c.evidence).toBe('pass');
      const m = c.data as MachineMemory;
      process.stdout.write(
        `vm figures (idle after boot): MemTotal ${m.memTotalMiB} MiB, MemAvailable ${m.memAvailableMiB} MiB, Slab ${m.slabMiB} MiB, `
          + `PageTables ${m.pageTablesMiB} MiB, KernelStack ${m.kernelStackMiB} MiB\n`,
      );
      expect(m.memTotalMiB).toBeGreaterThanOrEqual(440);
      expect(m.memTotalMiB).toBeLessThanOrEqual(512);
    } finally {
      session.close();
    }
  });

  it('holds the worst case: every part at its limit for a short hold, 0 OOM kills, everything answering after; the OS share is read', async () => {
    const b = await readImageBundle(bundleDir);
    const units = stackUnits(b);
    const session = await SshSession.connect(validateHost(host));
    try {
      const share = await osShareReading(session, 512, units, b.manifest.budget.osReserveMiB);
      // A reading, whichever way it judges: the figures go to the log and docs/tuning.md.
      expect(['pass', 'fail']).toContain(share.status);
      process.stdout.write(`vm figures (idle): ${share.evidence}\n`);
      const plan = worstCasePlan({
        settings: b.manifest.settings,
        services: b.manifest.recipe.services,
        endpoints: CANARY_MIX,
        hostHeader: 'localhost',
        port: 80,
        holdSec: 10,
      });
      const r = await runWorstCase(session, plan, { units, wholeMachine: true, headroomMiB: b.manifest.budget.headroomMiB, ramMiB: 512 });
      for (const c of r.checks) process.stdout.write(`vm figures (worst case): ${c.id} ${c.status}: ${c.evidence}\n`);
      expect(Object.fromEntries(r.checks.map((c) => [c.id, c.status]))).toEqual({
        'worst-case:ran': 'pass',
        'worst-case:oom-kills': 'pass',
        'worst-case:answering': 'pass',
        'worst-case:available': 'pass',
      });
    } finally {
      session.close();
    }
  }, 400_000);

  it('destroy stops its qemu by PID and removes its disk and claim', async () => {
    const pid = host!.pid;
    await destroy(id, { stateDir });
    host = undefined;
    expect(await leftovers(id, stateDir)).toEqual([]);
    // A TERMed qemu has no /proc entry with its command line left (a zombie's cmdline is empty).
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    expect(cmd).not.toContain(`kiln-${id}`);
  }, 60_000);
});
