/**
 * What a request costs each bench config: the four configs (kiln, seed, stock, rules) on one tier, each box pinned
 * to CPU 1, loaded at one fixed rate below every config's capacity (generator on CPU 0), interleaved R rounds.
 * Box CPU (cpuacct of the whole box) / responses, by process too. At a fixed rate the figure is the config's, not
 * the overload's: a capacity search's CPU/request also counts timeouts, retries and recycles past saturation.
 * Usage: npx tsx bench/cost.ts [tier=nano] [rounds=3] [rps=500] [durationSec=15]
 */
import { DISTROS } from '../images/distro.ts';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { runLoadInChild } from '../verify/load/child.ts';
import { canaryLoad } from '../verify/defaults.ts';
import { VARIANTS } from '../pipeline/bench/configs/index.ts';
import { canarySide, renderVariant } from '../pipeline/bench/configs/render.ts';
import { STOCK } from '../pipeline/bench/configs/stock.ts';
import type { BenchBox } from '../pipeline/bench/box.ts';
import { GEN_NICE, LATE_TOLERANCE_MS, MAX_LATE_FRACTION } from '../pipeline/bench/capacity.ts';
import { kilnImage } from '../pipeline/bench/image.ts';
import { bootTracked, destroyLive } from '../pipeline/bench/live.ts';
import { boxCpuNs, cpuByPid, cpuDelta } from '../pipeline/bench/proc-cpu.ts';
import { roundOrder } from '../pipeline/bench/run.ts';
import { spread } from '../pipeline/bench/summary.ts';
import { canaryWorkload } from '../pipeline/bench/workload.ts';

const [tierName = 'nano', roundsArg = '3', rpsArg = '500', durArg = '15'] = process.argv.slice(2);
const tier = findTier(buildCatalog(), tierName);
const stateDir = defaultStateDir();
const log = (l: string) => process.stderr.write(`cost: ${l}\n`);
const img = await kilnImage(tier, stateDir);
const boxes: BenchBox[] = [];
const byVariant = new Map<string, number[]>();
try {
  for (const v of VARIANTS) {
    const id = `cs${v.name.slice(0, 2)}${process.pid % 10000}`;
    boxes.push(
      await bootTracked({
        tier,
        imageRef: img.ref,
        stateDir,
        id,
        cpus: '1',
        variant: v.name,
        files: renderVariant(canarySide(tier, DISTROS[img.distro]), v, STOCK).files,
        workload: canaryWorkload(tier, undefined, img.distro),
        log,
      }),
    );
  }
  for (let round = 1; round <= Number(roundsArg); round++) {
    for (const b of roundOrder(boxes, round)) {
      const spec = {
        ...canaryLoad(b.host.address, tier.slo, { warmupSec: 3, durationSec: Number(durArg), timeoutMs: 5000 }),
        rps: Number(rpsArg),
        lateToleranceMs: LATE_TOLERANCE_MS,
        validity: { maxLateFraction: MAX_LATE_FRACTION },
      };
      const [c0, p0] = [await boxCpuNs(b.host.id), await cpuByPid(b.host.id)];
      const r = await runLoadInChild(spec, { cpus: '0', nice: GEN_NICE });
      const [c1, p1] = [await boxCpuNs(b.host.id), await cpuByPid(b.host.id)];
      const responses = r.phases.reduce((a, p) => a + p.responses, 0);
      const ms = Math.round(((c1 - c0) / 1e6 / responses) * 1000) / 1000;
      byVariant.set(b.variant, [...(byVariant.get(b.variant) ?? []), ms]);
      console.log(
        JSON.stringify({
          tier: tier.name,
          variant: b.variant,
          round,
          rps: spec.rps,
          boxCpuMsPerRequest: ms,
          p50Ms: r.measure.latency.p50Ms,
          p99Ms: r.measure.latency.p99Ms,
          errors: r.measure.errorTotal,
          valid: r.valid,
          cpuByProcessSec: cpuDelta(p0, p1),
        }),
      );
    }
  }
  for (const [v, xs] of byVariant) log(`${tier.name}/${v}: box CPU ${JSON.stringify(spread(xs))} ms per request at ${rpsArg} req/s`);
} finally {
  await destroyLive(log);
}
