/**
 * Local target figures: cold bake (base cached; --cold-base also times debootstrap), warm bake,
 * launch to ssh / cloud-init / all units (first launch unpacks the image; the second is steady state),
 * idle memory of the box in its cgroup. Usage: tsx bench/local.ts [--tier nano] [--distro debian13|debian12] [--cold-base]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { bake, destroy, ensureBase, launch, memoryStats } from '../targets/local/index.ts';
import { DEFAULT_LOCAL_DISTRO, LOCAL_BASES, LOCAL_DISTROS, type LocalDistroId } from '../targets/local/base.ts';
import { defaultCacheDir, REPO_ROOT } from '../targets/local/paths.ts';

const { values: o } = parseArgs({
  options: {
    tier: { type: 'string', default: 'nano' },
    distro: { type: 'string', default: DEFAULT_LOCAL_DISTRO },
    'cold-base': { type: 'boolean' },
  },
});
const tier = o.tier!;
const distro = o.distro as LocalDistroId;
if (!LOCAL_DISTROS.includes(distro)) throw new Error(`--distro ${distro}: one of ${LOCAL_DISTROS.join(', ')}`);
const scratch = await mkdtemp(join(REPO_ROOT, '.kiln/bench-local-'));
const stateDir = join(scratch, 'state');
const cacheDir = o['cold-base'] ? join(scratch, 'cache') : defaultCacheDir();
const log = (m: string) => process.stderr.write(`bench local: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const figures: Record<string, unknown> = {
  tier,
  distro,
  loadavg: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
};

try {
  const bundle = join(scratch, 'bundle');
  await execa('npx', ['tsx', 'cli/cli.ts', 'render', '--tier', tier, '--distro', distro, '--out', bundle], { cwd: REPO_ROOT });
  const base = await ensureBase(cacheDir, LOCAL_BASES[distro]);
  figures.debootstrapSec = base.builtNow ? base.buildSec : 'cached (run with --cold-base to time it)';
  const cold = await bake({ tier, bundleDir: bundle, stateDir, cacheDir });
  figures.coldBakeSec = cold.timings.totalSec;
  figures.coldBakeProvisionSec = cold.timings.provisionSec;
  figures.imageMiB = Math.round(cold.manifest.tarball.bytes / 2 ** 20);
  log(`cold bake ${cold.timings.totalSec.toFixed(1)} s (provision ${cold.timings.provisionSec.toFixed(1)} s)`);
  const t = Date.now();
  const warm = await bake({ tier, bundleDir: bundle, stateDir, cacheDir });
  figures.warmBakeSec = (Date.now() - t) / 1000;
  figures.warmBakeReused = warm.reused;
  for (const run of ['firstLaunch', 'secondLaunch'] as const) {
    const h = await launch({ imageRef: cold.ref, tier, stateDir });
    try {
      await sleep(10_000);
      const mem = await memoryStats(h.id);
      const stat = await readFile(join(h.cgroup.memory, 'memory.stat'), 'utf8');
      const field = (k: string) => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(stat)?.[1] ?? 0);
      figures[run] = {
        timingsMs: h.timings,
        idleMemoryMiB: {
          usage: +(mem.usageBytes / 2 ** 20).toFixed(1),
          rss: +(field('total_rss') / 2 ** 20).toFixed(1),
          cache: +(field('total_cache') / 2 ** 20).toFixed(1),
        },
      };
      log(
        `${run}: ssh ${h.timings.sshMs} ms, cloud-init ${h.timings.cloudInitMs} ms, ready ${h.timings.readyMs} ms, idle ${(mem.usageBytes / 2 ** 20).toFixed(0)} MiB`,
      );
    } finally {
      const td = Date.now();
      await destroy(h.id, { stateDir });
      figures[`${run}DestroySec`] = (Date.now() - td) / 1000;
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
