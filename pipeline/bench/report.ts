/** Pure: the bench result -> a Markdown table and SVG plots (verify/report's plotter). */
import { linePlot, type Series } from '../../verify/report/svg.ts';
import type { Cell, Spread, TierVerdict } from './summary.ts';
import type { CapacityRun } from './capacity.ts';
import type { SurvivalRun } from './survival.ts';

export interface BenchResult {
  schemaVersion: 1;
  /** The kiln that ran the bench (package.json's version). */
  kilnVersion: string;
  startedAt: string;
  finishedAt: string;
  mode: string;
  loadavg: { start: string; end: string };
  tiers: string[];
  repeat: number;
  /** kiln bench --recipe: the app and the release benched on each tier; null for the canary. */
  release: { app: string; images: { tier: string; ref: string; channel: string }[] } | null;
  variants: { name: string; summary: string; values: Record<string, unknown> }[];
  boxes: { tier: string; variant: string; id: string; effective: Record<string, string> }[];
  runs: CapacityRun[];
  cells: Cell[];
  verdicts: TierVerdict[];
  survival: SurvivalRun[];
  errors: string[];
}

/** Overloaded steps reach the 5 s timeout; capping keeps the SLO region readable. */
const P99_CAP_MS = 1500;
const sp = (s: Spread, unit = '') => (s.n ? `${s.median}${unit} (${s.min}–${s.max})` : '—');

export function markdown(r: BenchResult): string {
  const lines = [
    `kiln ${r.kilnVersion ?? '(version not recorded)'}. Mode: ${r.mode}. ${r.repeat} round(s), configs interleaved round-robin; median (min–max). Load avg ${r.loadavg.start} → ${r.loadavg.end}.`,
    '',
    '| tier | config | capacity req/s | p99 at capacity ms | memory peak MiB | peak % RAM | OOM kills | box CPU ms/req |',
    '|---|---|---|---|---|---|---|---|',
    ...r.cells.map(
      (c) =>
        `| ${c.tier} | ${c.variant} | ${sp(c.capacityRps)}${c.floors ? ` ⚑${c.floors}` : ''} | ${sp(c.p99AtCapacityMs)} | ${sp(c.memoryPeakMiB)} | ${sp(c.memoryPeakPct)} | ${c.oomKills} | ${sp(c.boxCpuMsPerRequest)} |`,
    ),
    '',
    ...(r.release
      ? releaseTable(r)
      : [
          '| tier | kiln / seed | kiln / best other | targets met |',
          '|---|---|---|---|',
          ...r.verdicts.map(
            (v) => `| ${v.tier} | ${v.kilnVsSeed ?? '—'}× | ${v.kilnVsBestOther ?? '—'}× (${v.bestOther ?? '—'}) | ${targetsText(v)} |`,
          ),
        ]),
  ];
  if (r.cells.some((c) => c.floors)) lines.push('', '⚑n: n rounds ended on the generator or the time budget (the figure is a floor).');
  if (r.survival.length) {
    lines.push(
      '',
      `| test | tier | config | survived | OOM kills | slow requests: errors / p99 ms | ${r.release ? 'its traffic' : 'canary'} beside it: errors / p99 ms | Redis after fill | peak MiB |`,
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of r.survival) {
      const slow = s.slow ? `${s.slow.errors}/${s.slow.scheduled} ${fmtKinds(s.slow.errorKinds)} / ${s.slow.p99Ms}` : '—';
      const fill = s.fill ? fillText(s.fill) : '—';
      const down = [...s.afterwards.inactive, ...s.afterwards.failing];
      lines.push(
        `| ${s.test} | ${s.tier} | ${s.variant} | ${s.survived ? 'yes' : `no${down.length ? ` (down: ${down.join(', ')})` : ''}`} | ${s.oomKills} | ${slow} | ${s.background.errors}/${s.background.scheduled} ${fmtKinds(s.background.errorKinds)} / ${s.background.p99Ms} | ${fill} | ${s.memoryPeakMiB} |`,
      );
    }
  }
  if (r.errors.length) lines.push('', 'Errors during the run:', ...r.errors.map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}

const targetsText = (v: TierVerdict) => v.targets.map((t) => `${t.met ? '✔' : '✘'} ${t.name}: ${t.detail}`).join('; ');
const names = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');

/** With a recipe: which release was benched, and kiln against the best config that survived (no OOM kill, the SLO held at some rate). */
function releaseTable(r: BenchResult): string[] {
  const rel = r.release!;
  return [
    `App ${rel.app}: ${rel.images.map((i) => `${i.tier} ${i.ref} (channel ${i.channel})`).join(', ')}. Survived = no OOM kill and the SLO held at some rate.`,
    '',
    '| tier | kiln / best survivor | OOM-killed | missed the SLO at every rate | did not run | targets met |',
    '|---|---|---|---|---|---|',
    ...r.verdicts.map((v) => {
      const s = v.survivors;
      return `| ${v.tier} | ${s?.kilnVsBest ?? '—'}× (${s?.best ?? 'none survived'}) | ${names(s?.oomKilled ?? [])} | ${names(s?.missedSlo ?? [])} | ${names(s?.notRun ?? [])} | ${targetsText(v)} |`;
    }),
  ];
}

const fmtKinds = (k: Record<string, number>) =>
  Object.keys(k).length
    ? `(${Object.entries(k)
        .map(([n, v]) => `${n} ${v}`)
        .join(', ')})`
    : '';

function fillText(f: Record<string, unknown>): string {
  if (f.failed) return `fill failed: ${String(f.failed).slice(0, 60)}`;
  if (f.connectionLost) return `connection lost after ${f.writtenMiB} MiB written`;
  return `${f.usedMemoryMiB} MiB used (max ${f.maxmemoryMiB || 'none'}), ${f.evictedKeys} evicted, ${f.setOom} OOM-refused writes`;
}

/** Median capacity and memory peak per config across tiers (x = tier RAM), and p99 vs offered rate per tier. */
export function plots(r: BenchResult, ramOf: (tier: string) => number): Record<string, string> {
  const variants = [...new Set(r.cells.map((c) => c.variant))];
  const byTier = (pick: (c: Cell) => number): Series[] =>
    variants.map((v) => ({
      name: v,
      points: r.cells
        .filter((c) => c.variant === v)
        .map((c) => [ramOf(c.tier), pick(c)] as [number, number])
        .sort((a, b) => a[0] - b[0]),
    }));
  const out: Record<string, string> = {
    'capacity.svg': linePlot({
      id: 'bench-capacity',
      title: 'Capacity (median) by tier',
      xLabel: 'tier RAM MiB',
      yLabel: 'req/s',
      series: byTier((c) => c.capacityRps.median),
    }),
    'memory.svg': linePlot({
      id: 'bench-memory',
      title: 'Memory peak of the box (median) by tier',
      xLabel: 'tier RAM MiB',
      yLabel: '% of RAM',
      series: byTier((c) => c.memoryPeakPct.median),
      hLines: [{ value: 85, label: 'ceiling 85%' }],
    }),
  };
  for (const tier of r.tiers) {
    const series: Series[] = variants.map((v) => {
      const steps = r.runs.filter((x) => x.tier === tier && x.variant === v).flatMap((x) => x.steps);
      const byRps = new Map<number, number[]>();
      for (const s of steps) byRps.set(s.rps, [...(byRps.get(s.rps) ?? []), s.p99Ms]);
      return {
        name: v,
        points: [...byRps].map(([rps, p]) => [rps, Math.min(P99_CAP_MS, ...p)] as [number, number]).sort((a, b) => a[0] - b[0]),
      };
    });
    out[`p99-${tier}.svg`] = linePlot({
      id: `bench-p99-${tier}`,
      title: `${tier}: p99 vs offered rate (best round at each rate, capped ${P99_CAP_MS} ms)`,
      xLabel: 'offered req/s',
      yLabel: 'p99 ms',
      series,
    });
  }
  return out;
}
