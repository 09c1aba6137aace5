/**
 * The bench: per tier, one box per config (the tier's kiln image or the app's release, the config's files applied),
 * all pinned to the box CPU; capacity searched round-robin (the order rotates each round) on the workload's mix; then
 * the survival tests that apply; boxes destroyed.
 */
import { readFile } from 'node:fs/promises';
import type { Tier } from '../../images/tiers.ts';
import { VARIANTS } from './configs/index.ts';
import { renderVariant, type KilnSide } from './configs/render.ts';
import { STOCK } from './configs/stock.ts';
import type { BenchBox } from './box.ts';
import { measureCapacity, type CapacityRun, DEFAULT_SEARCH } from './capacity.ts';
import { bootTracked, destroyTracked } from './live.ts';
import type { BenchResult } from './report.ts';
import { canarySubject, type Subject } from './subject.ts';
import { cells, releaseVerdicts, verdicts } from './summary.ts';
import { redisFill, slowBurst, type SurvivalRun } from './survival.ts';
import type { SurvivalTest } from './workload.ts';
import { kilnVersion } from '../../images/kiln-version.ts';

export interface BenchOptions {
  tiers: Tier[];
  repeat: number;
  stateDir: string;
  /** CPU list for the boxes and for the generator; undefined = unpinned (both share every CPU). */
  boxCpus?: string;
  genCpus?: string;
  /** Tiers that also get the slow-request burst and the Redis fill. */
  survivalTiers: string[];
  /** Adds the upstream-bound endpoint to the capacity mix (capacity.ts benchMix); absent = the canary mix. Canary only. */
  ioMs?: number;
  /** A team's app (kiln bench --recipe): each tier's promoted release, resolved before anything boots; absent = the canary. */
  release?: { app: string; subjects: Subject[] };
  log: (line: string) => void;
}

const SURVIVAL: Record<SurvivalTest, typeof slowBurst> = { 'slow-burst': slowBurst, 'redis-fill': redisFill };

const loadavg = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

/** Round r's order of the configs: rotated by one each round so no config always runs first (or right after a boot). */
export const roundOrder = <T>(xs: T[], round: number): T[] => xs.map((_, i) => xs[(i + round - 1) % xs.length]);

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const start = await loadavg();
  const runs: CapacityRun[] = [];
  const survival: SurvivalRun[] = [];
  const errors: string[] = [];
  const boxesOut: BenchResult['boxes'] = [];
  const subjects: Subject[] = [];
  for (const tier of o.tiers) {
    const release = o.release?.subjects.find((x) => x.tier.name === tier.name);
    if (o.release && !release) throw new Error(`kiln bug: no release resolved for tier ${tier.name}`);
    if (release)
      o.log(
        `${tier.name}: ${o.release!.app}'s release ${release.imageRef} (channel ${release.channel}), ${release.workload.mix}${release.workload.seed ? `, seed: ${release.workload.seed.join(' ')}` : ''}`,
      );
    const subject = release ?? (await canarySubject(tier, o.stateDir, o.ioMs, o.log));
    subjects.push(subject);
    const boxes: BenchBox[] = [];
    try {
      for (const v of VARIANTS) {
        const id = `bn${tier.name.slice(0, 2)}${v.name.slice(0, 2)}${process.pid % 10000}`;
        try {
          const b = await bootTracked({
            tier,
            imageRef: subject.imageRef,
            stateDir: o.stateDir,
            id,
            cpus: o.boxCpus,
            variant: v.name,
            files: renderVariant(subject.side, v, STOCK).files,
            workload: subject.workload,
            log: o.log,
          });
          boxes.push(b);
          boxesOut.push({ tier: tier.name, variant: v.name, id, effective: b.effective });
        } catch (e) {
          errors.push(`${tier.name}/${v.name}: ${(e as Error).message}`);
          o.log(`${tier.name}/${v.name}: FAILED to boot: ${(e as Error).message}`);
        }
      }
      const last = new Map<string, number>();
      for (let round = 1; round <= o.repeat; round++) {
        for (const b of roundOrder(boxes, round)) {
          const prev = last.get(b.variant);
          // Round 1 ramps from low; later rounds start under the last figure and climb in finer steps.
          const shape = prev ? { ...DEFAULT_SEARCH, growth: 1.25 } : DEFAULT_SEARCH;
          const startRps = prev ? Math.max(5, Math.round(prev * 0.85)) : subject.workload.targetRps;
          try {
            let r = await measureCapacity(b, round, startRps, o.genCpus, shape);
            // Nothing held at the first rate: search again from a quarter of it (a weak config must not read as 0 by accident).
            if (r.limitedBy === 'none-good' && startRps > 5)
              r = await measureCapacity(b, round, Math.max(5, Math.round(startRps / 4)), o.genCpus, DEFAULT_SEARCH);
            runs.push(r);
            if (r.capacityRps > 0) last.set(b.variant, r.capacityRps);
            o.log(
              `${tier.name}/${b.variant} round ${round}: capacity ${r.capacityRps} req/s (${r.limitedBy}, first bad ${r.firstBadRps}: ${r.firstBadWhy.join('; ').slice(0, 160)}), p99 ${r.atCapacity?.p99Ms ?? '—'} ms, peak ${r.memoryPeakMiB} MiB (${r.memoryPeakPct}%), OOM ${r.oomKills}, box CPU ${r.boxCpuMsPerRequest} ms/req (${Object.entries(
                r.cpuByProcessSec,
              )
                .slice(0, 4)
                .map(([k, v]) => `${k} ${v}s`)
                .join(', ')}), ${r.steps.length} steps in ${r.elapsedSec} s; load ${await loadavg()}`,
            );
          } catch (e) {
            errors.push(`${tier.name}/${b.variant} round ${round}: ${(e as Error).message}`);
            o.log(`${tier.name}/${b.variant} round ${round}: FAILED: ${(e as Error).message}`);
          }
        }
      }
      if (o.survivalTiers.includes(tier.name)) {
        for (const test of subject.workload.survivalTests.map((t) => SURVIVAL[t])) {
          for (const b of boxes) {
            try {
              const s = await test(b, o.genCpus);
              survival.push(s);
              o.log(
                `${tier.name}/${b.variant} ${s.test}: survived ${s.survived}, OOM ${s.oomKills}, canary errors ${s.background.errors}/${s.background.scheduled}${s.slow ? `, slow errors ${s.slow.errors}/${s.slow.scheduled} p99 ${s.slow.p99Ms} ms` : ''}${s.fill ? `, fill ${JSON.stringify(s.fill)}` : ''}`,
              );
            } catch (e) {
              errors.push(`${tier.name}/${b.variant} ${test.name}: ${(e as Error).message}`);
              o.log(`${tier.name}/${b.variant} ${test.name}: FAILED: ${(e as Error).message}`);
            }
          }
        }
      }
    } finally {
      for (const b of boxes) {
        await destroyTracked(b.host.id).catch((e: Error) => errors.push(`destroy ${b.host.id}: ${e.message}`));
      }
    }
  }
  const all = cells(runs);
  const sloOf = (name: string) => o.tiers.find((t) => t.name === name)!.slo;
  const tierNames = o.tiers.map((t) => t.name);
  const sideOf = (name: string): KilnSide => subjects.find((x) => x.tier.name === name)!.side;
  return {
    schemaVersion: 1,
    kilnVersion: kilnVersion(),
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: `${o.boxCpus ? `pinned: each box on CPU ${o.boxCpus} (cpuset; quota = tier vCPUs), generator on CPU ${o.genCpus}` : 'unpinned: boxes and generator share every CPU'}; mix: ${[...new Set(subjects.map((x) => x.workload.mix))].join(' | ')}`,
    loadavg: { start, end: await loadavg() },
    tiers: tierNames,
    repeat: o.repeat,
    release: o.release
      ? { app: o.release.app, images: subjects.map((x) => ({ tier: x.tier.name, ref: x.imageRef, channel: x.channel! })) }
      : null,
    variants: VARIANTS.map((v) => ({
      name: v.name,
      summary: v.summary,
      values: Object.fromEntries(tierNames.map((t) => [t, renderVariant(sideOf(t), v, STOCK).values])),
    })),
    boxes: boxesOut,
    runs,
    cells: all,
    verdicts: o.release
      ? releaseVerdicts(
          all,
          tierNames,
          VARIANTS.map((v) => v.name),
        )
      : verdicts(all, sloOf),
    survival,
    errors,
  };
}
