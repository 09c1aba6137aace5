/** Small pure statistics used by the memory summaries. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Least-squares slope of y over x; NaN with fewer than 2 distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return NaN;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let num = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export interface SeriesSummary {
  samples: number;
  peak: number;
  /** Median of the last half of the run. */
  steady: number;
  /** Least-squares slope over the last half, per minute. */
  slopePerMin: number;
  /** Length of the last half the slope was fitted over, seconds. */
  tailSec: number;
  /** Slopes over the third and the fourth quarter, per minute: a leak rises in both, one step (an allocator arena, a pool filling) in one. */
  quarterSlopesPerMin?: [number, number];
}

/** Summarises a time series (t in seconds); the last half excludes warm-up growth from the leak slope. */
export function summarizeSeries(tSec: readonly number[], values: readonly number[]): SeriesSummary {
  const n = Math.min(tSec.length, values.length);
  if (n === 0) return { samples: 0, peak: NaN, steady: NaN, slopePerMin: NaN, tailSec: 0 };
  const half = Math.floor(n / 2);
  const q3 = half + Math.floor((n - half) / 2);
  const tailT = tSec.slice(half, n);
  const tailV = values.slice(half, n);
  return {
    samples: n,
    peak: Math.max(...values.slice(0, n)),
    steady: median(tailV),
    slopePerMin: slope(tailT, tailV) * 60,
    tailSec: tailT.length ? tailT[tailT.length - 1] - tailT[0] : 0,
    quarterSlopesPerMin: [slope(tSec.slice(half, q3), values.slice(half, q3)) * 60, slope(tSec.slice(q3, n), values.slice(q3, n)) * 60],
  };
}
