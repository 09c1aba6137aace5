/** The report's plots, built from the verdict alone (so a stored verdict can be re-rendered identically). */
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { Verdict } from '../verdict.ts';
import { linePlot, type Marker, type Series } from './svg.ts';

const SPECTRUM_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99, 100];
/** x = "nines": 0 -> 0, 90 -> 1, 99 -> 2, 99.9 -> 3; 100 is drawn one step beyond the last finite point. */
const nines = (p: number) => (p >= 100 ? 4.5 : -Math.log10(1 - p / 100));

export function latencyOverTime(v: Verdict): string {
  const series = v.load.target?.series ?? [];
  const pick = (k: 'p50Ms' | 'p95Ms' | 'p99Ms'): [number, number][] => series.map((s) => [s.tSec, s[k]]);
  return linePlot({
    id: 'plot-latency-time',
    title: 'Latency over time (from intended send time)',
    xLabel: 'seconds since start (warm-up included)',
    yLabel: 'ms',
    series: series.length
      ? [
          { name: 'p50', points: pick('p50Ms') },
          { name: 'p95', points: pick('p95Ms') },
          { name: 'p99', points: pick('p99Ms') },
        ]
      : [],
    hLines: [
      { value: v.tierSpec.slo.p95Ms, label: `SLO p95 ${v.tierSpec.slo.p95Ms}` },
      { value: v.tierSpec.slo.p99Ms, label: `SLO p99 ${v.tierSpec.slo.p99Ms}` },
    ],
  });
}

/** Percentile spectrum from the judged window's HdrHistogram; falls back to the summary percentiles. */
export function spectrumPoints(v: Verdict): [number, number][] {
  const m = v.load.target?.measure;
  if (!m || m.responses === 0) return [];
  try {
    const h = decodeFromCompressedBase64(m.histogramBase64, 32, false);
    if (h.totalCount > 0) return SPECTRUM_PERCENTILES.map((p) => [nines(p), Math.round(h.getValueAtPercentile(p)) / 1000]);
  } catch {
    // an undecodable histogram still leaves the summary percentiles
  }
  const l = m.latency;
  return [
    [nines(50), l.p50Ms],
    [nines(90), l.p90Ms],
    [nines(95), l.p95Ms],
    [nines(99), l.p99Ms],
    [nines(99.9), l.p999Ms],
    [nines(100), l.maxMs],
  ];
}

export function latencySpectrum(v: Verdict): string {
  const points = spectrumPoints(v);
  const xTicks: Marker[] = [0, 90, 99, 99.9, 99.99, 100].map((p) => ({ value: nines(p), label: p === 100 ? 'max' : `${p}%` }));
  return linePlot({
    id: 'plot-latency-spectrum',
    title: 'Latency percentile spectrum (judged window)',
    xLabel: 'percentile',
    yLabel: 'ms',
    series: points.length ? [{ name: 'latency', points }] : [],
    xTicks,
    hLines: [
      { value: v.tierSpec.slo.p95Ms, label: `SLO p95 ${v.tierSpec.slo.p95Ms}` },
      { value: v.tierSpec.slo.p99Ms, label: `SLO p99 ${v.tierSpec.slo.p99Ms}` },
    ],
  });
}

export function memoryOverTime(v: Verdict): string {
  const plot = v.memory.plot;
  const series: Series[] = [];
  if (plot) {
    series.push({ name: 'box total', points: plot.boxTSec.map((t, i) => [t, plot.boxMiB[i]]) });
    const top = Object.keys(plot.services)
      .sort((a, b) => Math.max(...plot.services[b]) - Math.max(...plot.services[a]) || a.localeCompare(b))
      .slice(0, 8);
    for (const name of top)
      series.push({ name: name.replace(/\.service$/, ''), points: plot.tSec.map((t, i) => [t, plot.services[name][i]]) });
  }
  const ceiling = Math.round(v.tierSpec.ramMiB * v.tierSpec.slo.memoryCeilingPct) / 100;
  return linePlot({
    id: 'plot-memory-time',
    title: 'Memory over time: box total and PSS per service',
    xLabel: 'seconds',
    yLabel: 'MiB',
    series,
    hLines: [{ value: ceiling, label: `ceiling ${v.tierSpec.slo.memoryCeilingPct}%` }],
  });
}

export function capacityCurve(v: Verdict): string {
  const steps = [...(v.load.capacity?.steps ?? [])].sort((a, b) => a.rps - b.rps || a.attempt - b.attempt);
  const series: Series[] = steps.length
    ? [
        { name: 'p95', points: steps.map((s) => [s.rps, s.p95Ms]) },
        { name: 'p99', points: steps.map((s) => [s.rps, s.p99Ms]) },
        { name: 'p50', points: steps.map((s) => [s.rps, s.p50Ms]), dashed: true },
      ]
    : [];
  const good = v.load.capacity?.maxGoodRps;
  return linePlot({
    id: 'plot-capacity',
    title: 'Capacity curve: latency vs offered rate',
    xLabel: 'offered req/s',
    yLabel: 'ms',
    series,
    hLines: [{ value: v.tierSpec.slo.p95Ms, label: `SLO p95 ${v.tierSpec.slo.p95Ms}` }],
    vLines: good
      ? [
          { value: good, label: `max good ${good}/s` },
          { value: v.tierSpec.slo.targetRps, label: `target ${v.tierSpec.slo.targetRps}/s` },
        ]
      : [],
  });
}
