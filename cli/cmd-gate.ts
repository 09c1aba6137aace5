/** `kiln gate --tier T --recipe kiln.yaml [--target local] [--previous REF] [--report DIR] [--no-promote] [--json]`. */
import { InputError } from '../images/errors.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { targetFor } from '../targets/registry.ts';
import {
  loadCatalog,
  loadRecipe,
  output,
  parse,
  progress,
  requireTier,
  TARGET_FLAGS,
  TARGET_HELP,
  targetOptions,
  type Options,
} from './args.ts';
import { DEFAULT_LIMITS, LATE_TOLERANCE_MS } from '../verify/load/spec.ts';
import { GATE_REPETITIONS, GATE_SHAPE, runGate } from '../pipeline/gate.ts';

/** The load-shape flags' allowed ranges, shared by the help and the parse. */
const RANGE = { 'duration-sec': [5, 600], 'warmup-sec': [0, 120], repetitions: [5, 50], 'late-tolerance-ms': [1, 1000] } as const;
const range = (flag: keyof typeof RANGE) => `${RANGE[flag][0]}-${RANGE[flag][1]}`;

export const help = `kiln gate --tier T --recipe kiln.yaml [--target local|aws] [--previous REF] [--secrets FILE] [--report DIR] [--no-promote] [--json]
  The pre-release performance gate for a team's app: bakes the recipe's app, as it is at its source, as a
  release layer on the base image of the app's previous release (the promoted release on channel <tier>.<app>,
  or --previous REF), boots both images on boxes of the tier, runs interleaved A/B load with the app's own
  traffic (rank test + effect size on p50/p95/p99 latency and on the box's CPU per request) and compares the
  stack's memory (steady and peak PSS, +10 % and +16 MiB; a PSS slope beyond the previous release's is a leak).
  Exit codes: 0 pass (the candidate is promoted as the app's release on the tier), 1 regressed or no trustworthy
  answer (a box that does not boot, an app that does not come up, a missing figure), 2 bad input (no app
  source, no previous release, a value out of range), before anything boots.
  --no-promote: a pass is reported (exit 0) but not promoted, e.g. for a pull request's build.
  --secrets FILE (local): secret values both boxes read at first boot (e.g. DATABASE_URL, see kiln launch).
  --report DIR writes gate.json, gate.html (the page to open), gate-junit.xml (one testcase per A/B metric) and
  verify/{verdict.json,report.html,junit.xml}.
  Load shape (keep the defaults for a real gate; shorter runs and a looser late limit suit a busy test host):
  --duration-sec N  judged seconds of each load run (default ${GATE_SHAPE.durationSec}, whole seconds ${range('duration-sec')})
  --warmup-sec N    unjudged seconds before each run's window (default ${GATE_SHAPE.warmupSec}, ${range('warmup-sec')})
  --repetitions N   interleaved A/B pairs (default ${GATE_REPETITIONS}, ${range('repetitions')}; ${GATE_REPETITIONS} is the fewest at which
                    the one-sided rank test at 0.05 can reject)
  --late-tolerance-ms MS  a send this many ms behind its schedule is late; a run with over ${DEFAULT_LIMITS.maxLateFraction * 100}% of its
                    sends late is invalid (the generator was starved) and repeated (default ${LATE_TOLERANCE_MS}, ${range('late-tolerance-ms')})
${TARGET_HELP}`;

const whole = (v: Record<string, unknown>, flag: string, lo: number, hi: number, fallback: number): number => {
  if (v[flag] === undefined) return fallback;
  const n = Number(v[flag]);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new InputError(`--${flag}`, v[flag], `a whole number from ${lo} to ${hi}`, `pass --${flag} N`);
  return n;
};

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {
  ...TARGET_FLAGS,
  tier: { type: 'string' },
  previous: { type: 'string' },
  secrets: { type: 'string' },
  report: { type: 'string' },
  'no-promote': { type: 'boolean' },
  'duration-sec': { type: 'string' },
  'warmup-sec': { type: 'string' },
  repetitions: { type: 'string' },
  'late-tolerance-ms': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  if (typeof v.recipe !== 'string')
    throw new InputError('--recipe', null, 'is required: the recipe of the app to gate (app.source)', 'pass --recipe kiln.yaml');
  const recipe = loadRecipe(v.recipe);
  const name = typeof v.target === 'string' ? v.target : 'local';
  const target = targetFor(name, targetOptions(v, name));
  if (v.previous !== undefined && (typeof v.previous !== 'string' || !v.previous.trim()))
    throw new InputError('--previous', v.previous, 'an image ref', 'pass --previous REF or drop it');
  // A shorter load shape and a looser late-send limit are for tests on a shared host (a real gate keeps the defaults).
  const shape = {
    ...GATE_SHAPE,
    durationSec: whole(v, 'duration-sec', ...RANGE['duration-sec'], GATE_SHAPE.durationSec),
    warmupSec: whole(v, 'warmup-sec', ...RANGE['warmup-sec'], GATE_SHAPE.warmupSec),
  };
  const r = await runGate({
    tier,
    target,
    stateDir: (v['state-dir'] as string | undefined) ?? defaultStateDir(),
    recipe,
    previousRef: v.previous as string | undefined,
    reportDir: v.report as string | undefined,
    promote: !v['no-promote'],
    shape,
    secretsFile: v.secrets as string | undefined,
    repetitions: whole(v, 'repetitions', ...RANGE.repetitions, GATE_REPETITIONS),
    log: progress,
    lateToleranceMs:
      v['late-tolerance-ms'] === undefined ? undefined : whole(v, 'late-tolerance-ms', ...RANGE['late-tolerance-ms'], LATE_TOLERANCE_MS),
  });
  for (const reason of r.reasons) progress(`  ${reason}`);
  if (r.report?.gateHtml) progress(`gate: report ${r.report.gateHtml}${r.report.gateJunit ? ` (junit ${r.report.gateJunit})` : ''}`);
  const mem =
    r.memory?.metrics
      .map((m) => `${m.metric} ${m.previous} -> ${m.candidate} ${m.metric === 'servicesPssSlopeMiBPerMin' ? 'MiB/min' : 'MiB'}`)
      .join(', ') ?? 'not measured';
  const cpu = r.cpu ? `${r.cpu.baselineMedian} -> ${r.cpu.candidateMedian} ms per request` : 'not measured';
  const lat = r.latency
    ? [...(r.latencyMedian ? [r.latencyMedian] : []), ...r.latency.metrics]
        .map((m) => `${m.metric} ${m.baselineMedian} -> ${m.candidateMedian} ms`)
        .join(', ')
    : 'not measured';
  output(
    v,
    r,
    `gate ${r.channel}: ${r.decision.toUpperCase()} (${r.candidate.ref} vs ${r.previous.ref} [${r.previous.source}] on ${r.baseRef}; latency ${lat}; CPU ${cpu}; memory ${mem}; ${r.wallSec} s)${r.promoted ? `; promoted as ${r.channel}'s release` : ''}`,
  );
  return r.exitCode;
}
