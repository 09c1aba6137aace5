/** A tiny deterministic SVG line plotter: fixed size, fixed palette, numbers rounded so output is stable. */

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}
export interface Marker {
  value: number;
  label: string;
}

export interface PlotSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** horizontal reference lines (limits) */
  hLines?: Marker[];
  /** vertical reference lines */
  vLines?: Marker[];
  /** custom tick labels for x (e.g. percentiles on a log-nines axis) */
  xTicks?: Marker[];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const W = 720,
  H = 320,
  L = 64,
  R = 180,
  T = 36,
  B = 48;

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (x: number) => (Math.round(x * 10) / 10).toString();

/** 1-2-5 ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  // The axis must cover the data and every limit line drawn on it.
  if (out[out.length - 1] < hi) out.push(Math.round(out[out.length - 1] / step + 1) * step);
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : `${Math.round(v * 100) / 100}`);

export function linePlot(p: PlotSpec): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(p.id)}" class="plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(p.title)}">`
    + `<rect width="${W}" height="${H}" fill="#fff"/><text x="${L}" y="22" font-size="15" font-weight="bold">${esc(p.title)}</text>`;
  if (pts.length === 0) {
    return `${head}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#b00" class="nodata">no data</text></svg>`;
  }
  const xs = pts.map(([x]) => x).concat((p.vLines ?? []).map((m) => m.value));
  const ys = pts.map(([, y]) => y).concat((p.hLines ?? []).map((m) => m.value));
  const xt = p.xTicks ? p.xTicks.map((t) => t.value) : niceTicks(Math.min(...xs), Math.max(...xs));
  const yt = niceTicks(Math.min(0, ...ys), Math.max(...ys) * 1.05);
  const [x0, x1] = [Math.min(...xs, ...xt), Math.max(...xs, ...xt)];
  const [y0, y1] = [Math.min(...yt), Math.max(...yt)];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const parts: string[] = [head];
  parts.push(`<g class="grid" stroke="#e5e5e5" font-size="11" fill="#444">`);
  for (const v of yt)
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${f(sy(v))}" y2="${f(sy(v))}"/><text x="${L - 6}" y="${f(sy(v) + 4)}" text-anchor="end" stroke="none">${label(v)}</text>`,
    );
  const xLabels = p.xTicks ?? xt.map((v) => ({ value: v, label: label(v) }));
  for (const t of xLabels)
    parts.push(
      `<line x1="${f(sx(t.value))}" x2="${f(sx(t.value))}" y1="${T}" y2="${H - B}"/><text x="${f(sx(t.value))}" y="${H - B + 16}" text-anchor="middle" stroke="none">${esc(t.label)}</text>`,
    );
  parts.push('</g>');
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`);
  for (const m of p.hLines ?? [])
    parts.push(
      `<line class="limit" x1="${L}" x2="${W - R}" y1="${f(sy(m.value))}" y2="${f(sy(m.value))}" stroke="#b00" stroke-dasharray="6 4"/><text x="${W - R - 4}" y="${f(sy(m.value) - 4)}" text-anchor="end" font-size="11" fill="#b00">${esc(m.label)}</text>`,
    );
  for (const m of p.vLines ?? [])
    parts.push(
      `<line class="marker" x1="${f(sx(m.value))}" x2="${f(sx(m.value))}" y1="${T}" y2="${H - B}" stroke="#2a2" stroke-dasharray="3 3"/><text x="${f(sx(m.value) + 4)}" y="${T + 12}" font-size="11" fill="#2a2">${esc(m.label)}</text>`,
    );
  p.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const d = s.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y], j) => `${j ? 'L' : 'M'}${f(sx(x))} ${f(sy(y))}`)
      .join('');
    if (d)
      parts.push(
        `<path class="series" data-name="${esc(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    parts.push(
      `<rect x="${W - R + 8}" y="${T + 20 + i * 18}" width="12" height="3" fill="${color}"/><text x="${W - R + 24}" y="${T + 25 + i * 18}" font-size="11">${esc(s.name.length > 24 ? `${s.name.slice(0, 23)}…` : s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
