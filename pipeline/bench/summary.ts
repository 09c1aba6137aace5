/**
 * Pure: capacity runs -> medians and spread per tier and config, the ratios the targets name, and the verdict on each
 * target: the canary's targets (vs seed and the best other), or with a recipe kiln vs the best survivor.
 */
import type { CapacityRun } from './capacity.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}
export interface Cell {
  tier: string;
  variant: string;
  capacityRps: Spread;
  p99AtCapacityMs: Spread;
  memoryPeakMiB: Spread;
  memoryPeakPct: Spread;
  oomKills: number;
  boxCpuMsPerRequest: Spread;
  /** rounds whose search ended on the generator or the budget (the figure is a floor) */
  floors: number;
}
/** A team's release (--recipe): how the other configs fared, and the best of those that survived. */
export interface Survivors {
  /** The other config with the highest median capacity among those that survived; null when none did. */
  best: string | null;
  kilnVsBest: number | null;
  /** Configs with an OOM kill in the box in any round. */
  oomKilled: string[];
  /** Configs that held the SLO at no rate in any round (capacity 0 every time). */
  missedSlo: string[];
  /** Configs with no figure at all (did not boot, or every round failed). */
  notRun: string[];
}
export interface TierVerdict {
  tier: string;
  kilnVsSeed: number | null;
  bestOther: string | null;
  kilnVsBestOther: number | null;
  /** Present with a recipe: the headline is kiln vs the best survivor. */
  survivors?: Survivors;
  targets: { name: string; met: boolean; detail: string }[];
}

export function spread(xs: number[]): Spread {
  if (!xs.length) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: Math.round(m * 100) / 100, min: s[0], max: s.at(-1)!, n: s.length };
}

export function cells(runs: CapacityRun[]): Cell[] {
  const keys = [...new Set(runs.map((r) => `${r.tier}\0${r.variant}`))];
  return keys.map((k) => {
    const [tier, variant] = k.split('\0');
    const rs = runs.filter((r) => r.tier === tier && r.variant === variant);
    return {
      tier,
      variant,
      capacityRps: spread(rs.map((r) => r.capacityRps)),
      p99AtCapacityMs: spread(rs.flatMap((r) => (r.atCapacity ? [r.atCapacity.p99Ms] : []))),
      memoryPeakMiB: spread(rs.map((r) => r.memoryPeakMiB)),
      memoryPeakPct: spread(rs.map((r) => r.memoryPeakPct)),
      oomKills: rs.reduce((a, r) => a + r.oomKills, 0),
      boxCpuMsPerRequest: spread(rs.map((r) => r.boxCpuMsPerRequest)),
      floors: rs.filter((r) => r.limitedBy === 'generator' || r.limitedBy === 'budget' || r.limitedBy === 'maxRps').length,
    };
  });
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
// kiln's floor only understates its ratio; a floor on the other side could hide a higher capacity: not proven.
const floorNote = (c?: Cell) => (c?.floors ? `; ${c.variant}'s figure is a floor in ${c.floors} round(s): inconclusive` : '');
/** Survived: no OOM kill in any round, and the SLO held at some rate in some round. */
export const survived = (c: Cell): boolean => c.oomKills === 0 && c.capacityRps.max > 0;
/** With a recipe, kiln's capacity must be at least this multiple of the best surviving other config's. */
export const RELEASE_GOAL = 1.3;

/** The issue's targets: kiln >= 1.6x seed and >= 1.2x the best other, p99 in SLO, zero OOM, peak <= 85% RAM. */
export function verdicts(all: Cell[], slo: (tier: string) => { p99Ms: number; memoryCeilingPct: number }): TierVerdict[] {
  return [...new Set(all.map((c) => c.tier))].map((tier) => {
    const row = all.filter((c) => c.tier === tier);
    const k = row.find((c) => c.variant === 'kiln');
    const s = row.find((c) => c.variant === 'seed');
    const others = row.filter((c) => c.variant !== 'kiln').sort((a, b) => b.capacityRps.median - a.capacityRps.median);
    const best = others[0];
    const kilnVsSeed = k && s ? ratio(k.capacityRps.median, s.capacityRps.median) : null;
    const kilnVsBestOther = k && best ? ratio(k.capacityRps.median, best.capacityRps.median) : null;
    const lim = slo(tier);
    const targets = k
      ? [
          { name: 'capacity >= 1.6x seed', met: (kilnVsSeed ?? 0) >= 1.6 && !s?.floors, detail: `${kilnVsSeed}x${floorNote(s)}` },
          {
            name: 'capacity >= 1.2x best other',
            met: (kilnVsBestOther ?? 0) >= 1.2 && !best?.floors,
            detail: `${kilnVsBestOther}x (${best?.variant})${floorNote(best)}`,
          },
          {
            name: 'p99 within SLO at capacity',
            met: k.p99AtCapacityMs.max <= lim.p99Ms,
            detail: `max ${k.p99AtCapacityMs.max} ms <= ${lim.p99Ms} ms`,
          },
          { name: 'zero OOM kills', met: k.oomKills === 0, detail: `${k.oomKills}` },
          {
            name: `memory peak <= ${lim.memoryCeilingPct}% RAM`,
            met: k.memoryPeakPct.max <= lim.memoryCeilingPct,
            detail: `max ${k.memoryPeakPct.max}%`,
          },
        ]
      : [];
    return { tier, kilnVsSeed, bestOther: best?.variant ?? null, kilnVsBestOther, targets };
  });
}

/**
 * A team's release (--recipe): kiln >= RELEASE_GOAL x the best survivor among the other configs, and zero OOM kills for
 * kiln. When no other config survived, kiln meets the first target by surviving itself. Every tier asked for gets a
 * verdict, also one where nothing ran.
 */
export function releaseVerdicts(all: Cell[], tiers: readonly string[], variants: readonly string[]): TierVerdict[] {
  return tiers.map((tier) => {
    const row = all.filter((c) => c.tier === tier);
    const k = row.find((c) => c.variant === 'kiln');
    const s = row.find((c) => c.variant === 'seed');
    const others = row.filter((c) => c.variant !== 'kiln').sort((a, b) => b.capacityRps.median - a.capacityRps.median);
    const best = others.filter(survived)[0];
    const survivors: Survivors = {
      best: best?.variant ?? null,
      kilnVsBest: k && best ? ratio(k.capacityRps.median, best.capacityRps.median) : null,
      oomKilled: row.filter((c) => c.oomKills > 0).map((c) => c.variant),
      missedSlo: row.filter((c) => !(c.capacityRps.max > 0)).map((c) => c.variant),
      notRun: variants.filter((v) => !row.some((c) => c.variant === v)),
    };
    const capacity = (): { met: boolean; detail: string } => {
      if (!k) return { met: false, detail: 'kiln did not run' };
      if (!survived(k))
        return { met: false, detail: `kiln did not survive (${k.oomKills ? `${k.oomKills} OOM kill(s)` : 'held the SLO at no rate'})` };
      if (!best) return { met: true, detail: 'no other config survived' };
      return {
        met: (survivors.kilnVsBest ?? 0) >= RELEASE_GOAL && !best.floors,
        detail: `${survivors.kilnVsBest}x (${best.variant})${floorNote(best)}`,
      };
    };
    return {
      tier,
      kilnVsSeed: k && s ? ratio(k.capacityRps.median, s.capacityRps.median) : null,
      bestOther: others[0]?.variant ?? null,
      kilnVsBestOther: k && others[0] ? ratio(k.capacityRps.median, others[0].capacityRps.median) : null,
      survivors,
      targets: [
        { name: `capacity >= ${RELEASE_GOAL}x best survivor`, ...capacity() },
        { name: 'zero OOM kills', met: !!k && k.oomKills === 0, detail: k ? `${k.oomKills}` : 'kiln did not run' },
      ],
    };
  });
}
