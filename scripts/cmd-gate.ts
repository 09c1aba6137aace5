/** `kiln gate --tier T --recipe kiln.yaml [--target local] [--previous REF] [--report DIR] [--no-promote] [--json]`. */
import { InputError } from '../images/errors.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { targetFor } from '../targets/registry.ts';
import { loadCatalog, loadRecipe, output, parse, progress, requireTier, TARGET_FLAGS, TARGET_HELP, targetOptions } from './args.ts';
import { GATE_SHAPE, runGate } from './flows/gate.ts';

export const help = `kiln gate --tier T --recipe kiln.yaml [--target local|aws] [--previous REF] [--secrets FILE] [--report DIR] [--no-promote] [--json]
  The pre-release performance gate for a team's app: bakes the recipe's app, as it is at its source, as a
  release layer on the base image of the app's previous release (the promoted release on channel <tier>.<app>,
  or --previous REF), boots both images on boxes of the tier, runs interleaved A/B load with the app's own
  traffic (rank test + effect size on p50/p95/p99) and compares the stack's memory.
  Exit 0 pass (the candidate is promoted as the app's release on the tier), 1 regressed or no trustworthy
  answer (a box that does not boot, an app that does not come up, a missing figure), 2 bad input (no app
  source, no previous release), before anything boots.
  --no-promote: a pass is reported (exit 0) but not promoted, e.g. for a pull request's build.
  --secrets FILE (local): secret values both boxes read at first boot (e.g. DATABASE_URL, see kiln launch).
  --report DIR writes gate.json, gate.html (the page to open) and verify/{verdict.json,report.html,junit.xml}.
${TARGET_HELP}`;

const whole = (v: Record<string, unknown>, flag: string, lo: number, hi: number, fallback: number): number => {
  if (v[flag] === undefined) return fallback;
  const n = Number(v[flag]);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new InputError(`--${flag}`, v[flag], `a whole number from ${lo} to ${hi}`, `pass --${flag} N`);
  return n;
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, {
    ...TARGET_FLAGS, tier: { type: 'string' }, previous: { type: 'string' }, secrets: { type: 'string' },
    report: { type: 'string' }, 'no-promote': { type: 'boolean' }, 'duration-sec': { type: 'string' }, 'warmup-sec': { type: 'string' }, repetitions: { type: 'string' }, 'late-tolerance-ms': { type: 'string' },
  });
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  if (typeof v.recipe !== 'string') throw new InputError('--recipe', null, 'is required: the recipe of the app to gate (app.source)', 'pass --recipe kiln.yaml');
  const recipe = loadRecipe(v.recipe);
  const name = typeof v.target === 'string' ? v.target : 'local';
  const target = targetFor(name, targetOptions(v, name));
  if (v.previous !== undefined && (typeof v.previous !== 'string' || !v.previous.trim())) throw new InputError('--previous', v.previous, 'an image ref', 'pass --previous REF or drop it');
  // Hidden: a shorter load shape and a looser late-send limit for tests on a shared host (a real gate keeps the defaults).
  const shape = {
    ...GATE_SHAPE,
    durationSec: whole(v, 'duration-sec', 5, 600, GATE_SHAPE.durationSec),
    warmupSec: whole(v, 'warmup-sec', 0, 120, GATE_SHAPE.warmupSec),
  };
  const r = await runGate({
    tier, target, stateDir: (v['state-dir'] as string | undefined) ?? defaultStateDir(), recipe, previousRef: v.previous as string | undefined,
    reportDir: v.report as string | undefined, promote: !v['no-promote'], shape, secretsFile: v.secrets as string | undefined, repetitions: whole(v, 'repetitions', 5, 50, 5), log: progress,
    lateToleranceMs: v['late-tolerance-ms'] === undefined ? undefined : whole(v, 'late-tolerance-ms', 1, 1000, 10),
  });
  for (const reason of r.reasons) progress(`  ${reason}`);
  if (r.report?.gateHtml) progress(`gate: report ${r.report.gateHtml}`);
  const mem = r.memory?.metrics.map((m) => `${m.metric} ${m.previous} -> ${m.candidate} MiB`).join(', ') ?? 'not measured';
  const lat = r.latency ? [...(r.latencyMedian ? [r.latencyMedian] : []), ...r.latency.metrics].map((m) => `${m.metric} ${m.baselineMedian} -> ${m.candidateMedian} ms`).join(', ') : 'not measured';
  output(v, r, `gate ${r.channel}: ${r.decision.toUpperCase()} (${r.candidate.ref} vs ${r.previous.ref} [${r.previous.source}] on ${r.baseRef}; latency ${lat}; memory ${mem}; ${r.wallSec} s)${r.promoted ? `; promoted as ${r.channel}'s release` : ''}`);
  return r.exitCode;
}
