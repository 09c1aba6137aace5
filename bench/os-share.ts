/**
 * The OS share of a whole machine, measured: each tier's canary image booted as a VM (`kiln launch --vm`: the tier's
 * RAM and vCPUs, Debian's cloud kernel) and read at idle and halfway through verify's worst-case phase. Prints, per
 * tier: boot time, MemTotal and what the kernel keeps, the kernel's unreclaimable memory, the OS's own processes,
 * the stack, the OS share (RAM - MemAvailable - stack) against the budget's reserve, and the phase's lowest
 * MemAvailable and OOM kills. docs/tuning.md takes its figures from this script.
 * Usage: npx tsx bench/os-share.ts [tiers=nano,micro,small] [distro=debian13] [holdSec=20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readImageBundle, stackUnits } from '../model/image-bundle.ts';
import { validateHost } from '../model/host.ts';
import { bake, destroy } from '../targets/local/index.ts';
import { defaultStateDir, REPO_ROOT } from '../targets/local/paths.ts';
import { launchVm } from '../targets/local/vm.ts';
import { CANARY_MIX } from '../verify/defaults.ts';
import { machineShare, snapshotProgram, type MachineShare, type MemorySnapshot } from '../verify/machine-memory.ts';
import { SshSession } from '../verify/ssh.ts';
import type { PhaseReport } from '../verify/worst-case/judge.ts';
import { worstCasePlan } from '../verify/worst-case/plan.ts';
import { runWorstCase } from '../verify/worst-case/run.ts';

const [tiersArg = 'nano,micro,small', distro = 'debian13', holdArg = '20'] = process.argv.slice(2);
const holdSec = Number(holdArg);
const stateDir = defaultStateDir();
const log = (l: string) => process.stderr.write(`os-share: ${l}\n`);
const row = (cells: (string | number)[]) => process.stdout.write(`| ${cells.join(' | ')} |\n`);
const fmt = (s: MachineShare) => `${s.osShareMiB} (kernel ${s.kernelUsedMiB}, OS procs ${s.osUserlandMiB}); stack ${s.stackMiB}`;

row([
  'tier',
  'distro',
  'boot s (tcg)',
  'MemTotal',
  'kernel keeps',
  'idle: OS share (kernel in use, OS processes); stack',
  'reserve',
  'worst case: OS share; stack',
  'lowest MemAvailable / headroom',
  'OOM kills',
  'phase',
]);
row(Array(11).fill('---'));
for (const tier of tiersArg.split(',')) {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-os-share-'));
  const id = `os${tier.slice(0, 4)}${process.pid}`.slice(0, 12);
  try {
    await execa('npx', ['tsx', 'cli/cli.ts', 'render', '--tier', tier, '--distro', distro, '--out', join(dir, 'b')], { cwd: REPO_ROOT });
    log(`${tier}: baking`);
    const image = await bake({ tier, bundleDir: join(dir, 'b'), stateDir });
    log(`${tier}: booting ${image.ref}`);
    const host = await launchVm({ imageRef: image.ref, tier, id, stateDir, readyTimeoutSec: 600 });
    const b = await readImageBundle(join(dir, 'b'));
    const units = stackUnits(b);
    const ram = b.manifest.ramMiB;
    const session = await SshSession.connect(validateHost(host));
    try {
      const r = await session.exec('python3 -', { timeoutSec: 60, asRoot: true, stdin: snapshotProgram() });
      const snap = JSON.parse(r.stdout) as MemorySnapshot;
      const idle = machineShare(snap, ram, units);
      log(`${tier}: idle meminfo ${JSON.stringify(snap.meminfo)}`);
      log(`${tier}: idle groups ${JSON.stringify(snap.groups)}`);
      log(`${tier}: worst-case phase, ${holdSec} s hold`);
      const plan = worstCasePlan({
        settings: b.manifest.settings,
        services: b.manifest.recipe.services,
        endpoints: CANARY_MIX,
        hostHeader: 'localhost',
        port: 80,
        holdSec,
      });
      const wc = await runWorstCase(session, plan, { units, wholeMachine: true, headroomMiB: b.manifest.budget.headroomMiB, ramMiB: ram });
      const ran = wc.checks.find((c) => c.id === 'worst-case:ran');
      const report = (ran?.data ?? null) as PhaseReport | null;
      const loaded = report?.loaded ? machineShare(report.loaded, ram, units) : null;
      const low = report ? Math.min(report.memAvailableMinMiB, wc.memory?.minMemAvailableMiB ?? Infinity) : NaN;
      row([
        tier,
        distro,
        (host.timings.readyMs / 1000).toFixed(0),
        idle.memTotalMiB,
        idle.kernelKeptMiB,
        fmt(idle),
        b.manifest.budget.osReserveMiB,
        loaded ? fmt(loaded) : 'n/a',
        `${low} / ${b.manifest.budget.headroomMiB}`,
        wc.memory?.oomKills ?? 'unknown',
        wc.checks.map((c) => `${c.id.replace('worst-case:', '')} ${c.status}`).join(', '),
      ]);
      for (const c of wc.checks) log(`${tier}: ${c.id} ${c.status}: ${c.evidence}`);
    } finally {
      session.close();
    }
  } catch (err) {
    log(`${tier}: ${(err as Error).message}`);
    row([tier, distro, 'failed', '', '', '', '', '', '', '', (err as Error).message.slice(0, 120)]);
  } finally {
    await destroy(id, { stateDir }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
