/** `kiln nightly`: the whole loop for every tier (or --tiers), with a run ledger that --resume continues. */
import { resolve } from 'node:path';
import { findTier } from '../images/catalog.ts';
import { InputError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { targetEntry, targetFor } from '../targets/registry.ts';
import { DEFAULT_LOAD_SHAPE } from '../verify/defaults.ts';
import {
  BAKE_DISTRO_FLAG,
  BAKE_DISTRO_HELP,
  loadCatalog,
  loadRecipe,
  parse,
  TARGET_FLAGS,
  TARGET_HELP,
  targetOptions,
  type Options,
} from './args.ts';
import type { JudgeKnobs } from '../pipeline/candidate.ts';
import { nightly } from '../pipeline/nightly.ts';

/** Per tier: the verify defaults, a short capacity search, 5 A/B pairs (the fewest at which the one-sided Mann-Whitney test at 0.05 can reject). */
export const NIGHTLY_KNOBS = {
  loadSec: DEFAULT_LOAD_SHAPE.durationSec,
  capacitySec: 30,
  readyTimeoutSec: 300,
  verifyTimeoutSec: 1200,
  baselineRepetitions: 5,
  generatorNice: -10,
};

export const help = `kiln nightly [--target local|aws] [--tiers a,b] [--distro D] [--resume RUN_ID] [--state-dir DIR] [--out DIR] [--json]
             [--load-sec N] [--capacity-sec N] [--ready-timeout-sec N] [--verify-timeout-sec N] [--catalog FILE] [--recipe FILE]
             [--secrets FILE]
  The whole loop, all tiers by default: render -> validate -> bake -> launch -> verify (against the
  promoted image of the tier when there is one, booted beside it) -> promote on pass, reject otherwise
  -> destroy -> janitor. Renders and validates run in parallel; bakes and measurements run ONE tier at
  a time, since on one machine they would disturb each other's figures. Target default: local.
  Run ledger: <state-dir>/runs/<RUN_ID>/ledger.json, rewritten after every step (state, times, outputs,
  errors); bundles and reports under --out (default the run dir). --resume RUN_ID skips steps recorded
  done, destroys the boxes of a step a killed run left running, and reruns the rest. Only a verdict of
  this run that passed, for the image this run baked, is ever promoted.
  With --recipe naming a team's app (app.source), each tier also gets a release lane (<tier>.<app>): the app
  baked as a layer on the tier's promoted base, its memory measured on a booted box, the image tuned to it
  (baked again when that changes the tuning), verified under the recipe's traffic, promoted on its channel.
  --secrets FILE (local): secret values the app's boxes read at first boot (e.g. DATABASE_URL; see kiln launch).
  Measurement: --load-sec (judged window at the tier's target rate, default ${NIGHTLY_KNOBS.loadSec}), --capacity-sec
  (capacity search budget, default ${NIGHTLY_KNOBS.capacitySec}, 0 = none), --ready-timeout-sec (default ${NIGHTLY_KNOBS.readyTimeoutSec}),
  --verify-timeout-sec (default ${NIGHTLY_KNOBS.verifyTimeoutSec}). The load generator runs in its own process at nice
  ${NIGHTLY_KNOBS.generatorNice}: on a shared machine a starved generator measures itself (verify rejects such a run as invalid).
  Prints a table (tier, decision, p95/p99 at the target rate, memory peak, promoted ref or why not, report
  links) on stderr; --json prints the summary document.
  Exit codes: 0 every tier promoted (or its promoted image held with a pass), 1 any tier failed or was
  rejected, 2 bad input (a flag, tier, catalog or recipe; --resume with another target or distro).
${BAKE_DISTRO_HELP}
${TARGET_HELP}`;

function seconds(v: Record<string, unknown>, flag: string, fallback: number, min: number): number {
  const raw = v[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new InputError(`--${flag}`, raw, `a number of seconds >= ${min}`, `pass --${flag} ${fallback}`);
  return n;
}

function selectTiers(v: Record<string, unknown>, catalog: Tier[]): Tier[] {
  if (v.tiers === undefined) return catalog;
  const names = String(v.tiers)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length)
    throw new InputError(
      '--tiers',
      v.tiers,
      `a comma-separated list of ${catalog.map((t) => t.name).join(', ')}`,
      'pass --tiers nano,micro',
    );
  return [...new Set(names)].map((n) => findTier(catalog, n));
}

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {
  ...TARGET_FLAGS,
  ...BAKE_DISTRO_FLAG,
  tiers: { type: 'string' },
  resume: { type: 'string' },
  out: { type: 'string' },
  'load-sec': { type: 'string' },
  'capacity-sec': { type: 'string' },
  'ready-timeout-sec': { type: 'string' },
  'verify-timeout-sec': { type: 'string' },
  secrets: { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const catalog = loadCatalog(v.catalog as string | undefined);
  const tiers = selectTiers(v, catalog);
  if (v.resume && (v.tiers !== undefined || v.out !== undefined)) {
    throw new InputError('--resume', v.resume, 'alone: a resumed run keeps its own tiers and --out', 'drop --tiers/--out');
  }
  const name = (v.target as string | undefined) ?? 'local';
  // --state-dir holds the run ledgers for every target, and is also the local target's state (images, registry).
  const stateDir = resolve((v['state-dir'] as string | undefined) ?? defaultStateDir());
  const opts = targetOptions({ ...v, 'state-dir': undefined }, name);
  const target = targetFor(name, targetEntry(name).options.includes('stateDir') ? { ...opts, stateDir } : opts);
  const loadSec = seconds(v, 'load-sec', NIGHTLY_KNOBS.loadSec, 5);
  const knobs: JudgeKnobs = {
    shape: {
      ...DEFAULT_LOAD_SHAPE,
      durationSec: loadSec,
      warmupSec: Math.min(DEFAULT_LOAD_SHAPE.warmupSec, Math.max(2, Math.round(loadSec / 3))),
    },
    capacityBudgetSec: seconds(v, 'capacity-sec', NIGHTLY_KNOBS.capacitySec, 0),
    readyTimeoutSec: seconds(v, 'ready-timeout-sec', NIGHTLY_KNOBS.readyTimeoutSec, 1),
    verifyTimeoutSec: seconds(v, 'verify-timeout-sec', NIGHTLY_KNOBS.verifyTimeoutSec, 1),
    baselineRepetitions: NIGHTLY_KNOBS.baselineRepetitions,
    generator: { nice: NIGHTLY_KNOBS.generatorNice },
    secretsFile: v.secrets as string | undefined,
  };
  const r = await nightly({
    target,
    tiers,
    findTier: (n) => findTier(catalog, n),
    catalog,
    stateDir,
    outDir: v.out as string | undefined,
    resume: v.resume as string | undefined,
    recipe: loadRecipe(v.recipe as string | undefined),
    knobs,
  });
  if (v.json) process.stdout.write(`${JSON.stringify(r.summary, null, 2)}\n`);
  return r.summary.exitCode;
}
