/** `kiln gate --tier T [--target local] [--app PATH] [--previous PATH] [--image REF] [--report DIR] [--json]`. */
import { InputError } from '../images/errors.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { targetFor } from '../targets/registry.ts';
import { loadCatalog, output, parse, progress, requireTier, TARGET_FLAGS, TARGET_HELP, targetOptions } from './args.ts';
import { CANARY_DIR, resolveAppBuild } from './flows/app-build.ts';
import { GATE_SHAPE, runGate } from './flows/gate.ts';

export const help = `kiln gate --tier T [--target local|aws] [--app PATH] [--previous PATH] [--image REF] [--report DIR] [--json]
  The pre-release performance gate: boots the tier's promoted image (or --image REF) twice, installs the
  candidate app build (--app: a wheel or a Django project dir; default the canary) on one box and the previous
  release on the other (--previous; default the last build that passed the gate for this tier, else the
  canary), runs interleaved A/B load (rank test + effect size on p50/p95/p99) and compares the stack's memory.
  Exit 0 pass (the candidate becomes the tier's previous release), 1 regressed or no trustworthy answer
  (a box that does not boot, an app that does not come up, a missing figure), 2 bad input.
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
    ...TARGET_FLAGS, tier: { type: 'string' }, app: { type: 'string' }, previous: { type: 'string' }, image: { type: 'string' },
    report: { type: 'string' }, 'duration-sec': { type: 'string' }, 'warmup-sec': { type: 'string' }, repetitions: { type: 'string' }, 'late-tolerance-ms': { type: 'string' },
  });
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const name = typeof v.target === 'string' ? v.target : 'local';
  const target = targetFor(name, targetOptions(v, name));
  const candidate = await resolveAppBuild('--app', typeof v.app === 'string' ? v.app : CANARY_DIR);
  const previous = typeof v.previous === 'string' ? await resolveAppBuild('--previous', v.previous) : undefined;
  if (v.image !== undefined && (typeof v.image !== 'string' || !v.image.trim())) throw new InputError('--image', v.image, 'an image ref', 'pass --image REF or drop it');
  // Hidden: a shorter load shape and a looser late-send limit for tests on a shared host (a real gate keeps the defaults).
  const shape = {
    ...GATE_SHAPE,
    durationSec: whole(v, 'duration-sec', 5, 600, GATE_SHAPE.durationSec),
    warmupSec: whole(v, 'warmup-sec', 0, 120, GATE_SHAPE.warmupSec),
  };
  const r = await runGate({
    tier, target, stateDir: (v['state-dir'] as string | undefined) ?? defaultStateDir(), candidate, previous,
    imageRef: v.image as string | undefined, reportDir: v.report as string | undefined, shape,
    repetitions: whole(v, 'repetitions', 5, 50, 5), log: progress,
    lateToleranceMs: v['late-tolerance-ms'] === undefined ? undefined : whole(v, 'late-tolerance-ms', 1, 1000, 10),
  });
  for (const reason of r.reasons) progress(`  ${reason}`);
  if (r.report?.gateHtml) progress(`gate: report ${r.report.gateHtml}`);
  const mem = r.memory?.metrics.map((m) => `${m.metric} ${m.previous} -> ${m.candidate} MiB`).join(', ') ?? 'not measured';
  const lat = r.latency ? [...(r.latencyMedian ? [r.latencyMedian] : []), ...r.latency.metrics].map((m) => `${m.metric} ${m.baselineMedian} -> ${m.candidateMedian} ms`).join(', ') : 'not measured';
  output(v, r, `gate ${r.tier}: ${r.decision.toUpperCase()} (${r.candidate.name} vs ${r.previous.name} [${r.previous.source}] on ${r.imageRef}; latency ${lat}; memory ${mem}; ${r.wallSec} s)${r.recorded ? `; recorded as ${r.tier}'s previous release` : ''}`);
  return r.exitCode;
}
