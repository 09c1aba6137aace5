/**
 * Pure: the gate's A/B distributions as inline SVG strips, one plot per metric: the previous release's and the
 * candidate's per-repetition values as dots on one axis, each side's median marked, and the effect limit the
 * candidate's median must stay under. No script, no external resource; numbers rounded so the same result draws
 * the same bytes.
 */
import type { BaselinePolicy } from '../verify/baseline.ts';
import { esc, niceTicks, PALETTE } from '../verify/report/svg.ts';
import type { GateResult } from './gate.ts';
import { CPU_POLICY } from './gate-cpu.ts';
import { MEDIAN_POLICY } from './gate-median.ts';

export interface AbStrip {
  metric: string;
  unit: string;
  previous: readonly (number | null)[];
  candidate: readonly (number | null)[];
  previousMedian: number | null;
  candidateMedian: number | null;
  outcome: string;
  /** The candidate median above which the effect counts (relative AND absolute); drawn so a small change looks small. */
  limit: number | null;
}

/** Worse by more than pct AND more than abs: the larger of the two bounds. */
const effectLimit = (previous: number | null, pct: number, abs: number) =>
  previous === null ? null : Math.round(Math.max(previous * (1 + pct / 100), previous + abs) * 1000) / 1000;
const latencyLimit = (metric: string, previous: number | null, p: BaselinePolicy) =>
  effectLimit(previous, p.maxWorsePct, p.minWorseAbs[metric] ?? 0);

const W = 720;
const H = 132;
const L = 210;
const R = 24;
const ROW_Y = { previous: 52, candidate: 84 } as const;
const AXIS_Y = 104;
const COLOR = { previous: PALETTE[0], candidate: PALETTE[1] } as const;
const f = (x: number) => (Math.round(x * 10) / 10).toString();
const num = (x: number) => `${Math.round(x * 1000) / 1000}`;
const finite = (xs: readonly (number | null)[]) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

/** The strips the gate judged: median and tail latency and CPU per request per repetition; each box's stack PSS and its slope (one figure per box). */
export function abStrips(r: GateResult): AbStrip[] {
  const latency = [
    ...(r.latencyMedian ? [{ m: r.latencyMedian, policy: MEDIAN_POLICY, unit: 'ms' }] : []),
    ...(r.latency?.metrics ?? []).map((m) => ({ m, policy: r.latency!.policy, unit: 'ms' })),
    ...(r.cpu ? [{ m: r.cpu, policy: CPU_POLICY, unit: 'CPU ms per request' }] : []),
  ].map(({ m, policy, unit }) => ({
    metric: m.metric,
    unit,
    previous: m.baseline,
    candidate: m.candidate,
    previousMedian: m.baselineMedian,
    candidateMedian: m.candidateMedian,
    outcome: m.outcome,
    limit: latencyLimit(m.metric, m.baselineMedian, policy),
  }));
  const memory = (r.memory?.metrics ?? []).map((m) => ({
    metric: m.metric,
    unit: m.metric === 'servicesPssSlopeMiBPerMin' ? 'MiB/min' : 'MiB',
    previous: m.previous === null ? [] : [m.previous],
    candidate: m.candidate === null ? [] : [m.candidate],
    previousMedian: m.previous,
    candidateMedian: m.candidate,
    outcome: m.outcome,
    limit:
      m.metric === 'servicesPssSlopeMiBPerMin'
        ? m.previous === null
          ? null
          : Math.round((Math.max(0, m.previous) + r.memory!.policy.leakLimitMiBPerMin) * 1000) / 1000
        : effectLimit(m.previous, r.memory!.policy.maxWorsePct, r.memory!.policy.minWorseMiB),
  }));
  return [...latency, ...memory];
}

export function abStripPlot(s: AbStrip): string {
  const title = `${s.metric}: previous release vs candidate (${s.unit}) — ${s.outcome}`;
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" id="plot-ab-${esc(s.metric)}" class="plot ab" data-metric="${esc(s.metric)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`
    + `<rect width="${W}" height="${H}" fill="#fff"/><text x="8" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`;
  const sides = { previous: finite(s.previous), candidate: finite(s.candidate) };
  const medians = { previous: s.previousMedian, candidate: s.candidateMedian };
  const data = [...sides.previous, ...sides.candidate, ...finite([s.previousMedian, s.candidateMedian])];
  if (data.length === 0)
    return `${head}<text x="${W / 2}" y="${H / 2 + 10}" text-anchor="middle" fill="#b00" class="nodata">no data</text></svg>`;
  const all = [...data, ...finite([s.limit])];
  const ticks = niceTicks(Math.min(...all), Math.max(...all));
  const [x0, x1] = [Math.min(...ticks), Math.max(...ticks)];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const parts = [head, `<g class="axis" stroke="#bbb" font-size="11" fill="#444">`];
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${AXIS_Y}" y2="${AXIS_Y}"/>`);
  for (const t of ticks)
    parts.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${ROW_Y.previous - 12}" y2="${AXIS_Y + 4}" stroke="#eee"/><text x="${f(sx(t))}" y="${AXIS_Y + 18}" text-anchor="middle" stroke="none">${num(t)}</text>`,
    );
  parts.push('</g>');
  if (s.limit !== null && Number.isFinite(s.limit))
    parts.push(
      `<line class="limit" x1="${f(sx(s.limit))}" x2="${f(sx(s.limit))}" y1="${ROW_Y.previous - 14}" y2="${AXIS_Y}" stroke="#b00" stroke-dasharray="5 3"/><text x="${f(sx(s.limit) - 4)}" y="${ROW_Y.previous - 16}" text-anchor="end" font-size="11" fill="#b00">limit ${num(s.limit)}</text>`,
    );
  for (const side of ['previous', 'candidate'] as const) {
    const y = ROW_Y[side];
    const color = COLOR[side];
    const values = sides[side];
    const missing = (side === 'previous' ? s.previous : s.candidate).length - values.length;
    const m = medians[side];
    const label = `${side === 'previous' ? 'previous release' : 'candidate'}: median ${m ?? 'none'}${missing ? `, ${missing} missing` : ''}`;
    parts.push(`<g class="series" data-side="${side}" fill="${color}" stroke="${color}">`);
    parts.push(`<text x="${L - 8}" y="${y + 4}" text-anchor="end" font-size="11" stroke="none">${esc(label)}</text>`);
    for (const v of values) parts.push(`<circle class="value" cx="${f(sx(v))}" cy="${y}" r="4" fill-opacity="0.55" stroke="none"/>`);
    if (m !== null && Number.isFinite(m))
      parts.push(`<line class="median" x1="${f(sx(m))}" x2="${f(sx(m))}" y1="${y - 10}" y2="${y + 10}" stroke-width="2.5"/>`);
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

export const abPlots = (r: GateResult): string => abStrips(r).map(abStripPlot).join('');
