/** Mann-Whitney U (one-sided: is the candidate stochastically greater?), exact for small untied samples. */

export interface RankTest {
  /** U of the candidate: how many (candidate, baseline) pairs have the candidate higher (ties count 1/2). */
  u: number;
  /** One-sided p-value for "candidate values tend to be higher". */
  pValue: number;
  method: 'exact' | 'normal';
}

function uStatistic(baseline: readonly number[], candidate: readonly number[]): { u: number; ties: boolean } {
  let u = 0;
  let ties = false;
  for (const c of candidate) {
    for (const b of baseline) {
      if (c > b) u += 1;
      else if (c === b) {
        u += 0.5;
        ties = true;
      }
    }
  }
  return { u, ties };
}

/** Number of arrangements giving each U, by the classic recurrence f(m,n,u) = f(m-1,n,u-n) + f(m,n-1,u). */
function exactUpperTail(m: number, n: number, u: number): number {
  // dp over (i, j) with arrays indexed by U; memory O(m*n*mn) is fine for the small sizes this handles
  const memo = new Map<string, number[]>();
  const dist = (i: number, j: number): number[] => {
    if (i === 0 || j === 0) return [1];
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const a = dist(i - 1, j); // candidate i is the largest: it beats all j baselines
    const b = dist(i, j - 1);
    const out = new Array(i * j + 1).fill(0);
    a.forEach((v, k) => {
      out[k + j] += v;
    });
    b.forEach((v, k) => {
      out[k] += v;
    });
    memo.set(key, out);
    return out;
  };
  const d = dist(m, n);
  const total = d.reduce((s, v) => s + v, 0);
  let tail = 0;
  for (let k = Math.ceil(u); k < d.length; k++) tail += d[k];
  return tail / total;
}

/** Standard normal upper tail P(Z > z), via a Chebyshev-fitted erfc. */
function normalUpperTail(z: number): number {
  // Numerical Recipes' erfcc: relative error < 1.2e-7 everywhere
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t
    * Math.exp(
      -x * x
        - 1.26551223
        + t
          * (1.00002368
            + t
              * (0.37409196
                + t
                  * (0.09678418
                    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export function mannWhitneyGreater(baseline: readonly number[], candidate: readonly number[]): RankTest {
  const m = candidate.length;
  const n = baseline.length;
  if (m === 0 || n === 0) return { u: NaN, pValue: NaN, method: 'exact' };
  const { u, ties } = uStatistic(baseline, candidate);
  if (!ties && m * n <= 400) return { u, pValue: exactUpperTail(m, n, u), method: 'exact' };
  // Normal approximation with tie correction and continuity correction.
  const all = [...baseline, ...candidate].sort((a, b) => a - b);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j] === all[i]) j++;
    const t = j - i;
    tieTerm += t ** 3 - t;
    i = j;
  }
  const N = m + n;
  const mean = (m * n) / 2;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return { u, pValue: 1, method: 'normal' };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, pValue: normalUpperTail(z), method: 'normal' };
}
