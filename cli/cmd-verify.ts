/** `kiln verify --host JSON|FILE --tier T [--baseline VERDICT] [--baseline-host JSON|FILE] [--report DIR] [--json]`: exit 0 only on pass. */
import { DEFAULT_WORST_CASE_HOLD_SEC } from '../verify/worst-case/plan.ts';
import { InputError } from '../images/errors.ts';
import { readInputText } from '../images/input-file.ts';
import { DEFAULT_LOAD_SHAPE, type LoadShape } from '../verify/defaults.ts';
import { parseHost } from '../model/host.ts';
import { runLoadInChild } from '../verify/load/child.ts';
import { checkCpuList } from '../verify/load/cpus.ts';
import { verifyCommand } from '../verify/command.ts';
import { checkVerdict } from '../model/verdict-guard.ts';
import type { ImageBundle } from '../model/image-bundle.ts';
import type { Lineage } from '../model/lineage.ts';
import { loadCatalog, output, parse, progress, requireTier, TARGET_FLAGS, TARGET_HELP, targetOptions, type Options } from './args.ts';
import { targetFor } from '../targets/registry.ts';

export const help = `kiln verify --host JSON|FILE --tier T [--baseline VERDICT] [--baseline-host JSON|FILE] [--report DIR] [--json]
  Judges a booted box (the JSON kiln launch printed): state checks over SSH, open-loop load at the tier's
  target rate with memory sampled, thresholds, and an A/B comparison with the baseline box. Lineage and
  the files-check manifest come from the image the host names (through its target; --state-dir / aws
  flags say where it is); a host naming no image fails closed. --baseline is the promoted baseline's
  verdict: a comparison is then required, against --baseline-host (without it the verdict fails).
  --report DIR writes verdict.json, report.html and junit.xml. --json prints the verdict.
  --generator-cpus SET / --generator-nice N run the load generator in its own process, pinned (taskset)
  away from the box's CPUs (kiln launch --cpus) and/or at a higher priority (negative N needs root).
  Load shape (keep the defaults to judge; shorter runs are for tests and quick looks):
  --duration-sec N  judged seconds at the target rate (default ${DEFAULT_LOAD_SHAPE.durationSec}, whole seconds 5-3600)
  --warmup-sec N    unjudged seconds before the window (default ${DEFAULT_LOAD_SHAPE.warmupSec}, 0-600)
  --capacity-sec N  budget of the capacity search after the judged run (default 0 = none, 0-3600; informational)
  --worst-case-sec N  hold of the worst-case memory phase, run last (default ${DEFAULT_WORST_CASE_HOLD_SEC} on a whole machine, a VM or
                    an EC2 instance; none in a container; 0-600): every budgeted part at its limit, 0 OOM kills to pass
  Exit codes: 0 the decision is pass, 1 it is fail (the reasons on stderr), 2 bad input (a flag, the host JSON,
  an unreadable or failing --baseline verdict), before the box is reached.
${TARGET_HELP}`;

const seconds = (v: Record<string, unknown>, flag: string, lo: number, hi: number, fallback: number): number => {
  if (v[flag] === undefined) return fallback;
  const n = Number(v[flag]);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new InputError(`--${flag}`, v[flag], `whole seconds from ${lo} to ${hi}`, `pass --${flag} N`);
  return n;
};

function readBaseline(file: string, tier: string): void {
  const text = readInputText('--baseline', file, 'verdict JSON file', "pass the promoted baseline's verdict.json");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      '--baseline',
      file,
      'a readable verdict JSON file',
      `pass the promoted baseline's verdict.json (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const g = checkVerdict(doc);
  if (!g.ok || g.verdict.decision !== 'pass') {
    throw new InputError(
      '--baseline',
      file,
      "a well-formed passing verdict (the promoted baseline's)",
      g.ok ? "its decision is fail: pass the promoted image's verdict" : `fix or replace it: ${g.errors.slice(0, 3).join('; ')}`,
    );
  }
  if (g.verdict.tier !== tier)
    throw new InputError(
      '--baseline',
      file,
      `a verdict of tier ${tier} (it is ${g.verdict.tier})`,
      'compare with the baseline of the same tier',
    );
}

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {
  ...TARGET_FLAGS,
  host: { type: 'string' },
  tier: { type: 'string' },
  baseline: { type: 'string' },
  'baseline-host': { type: 'string' },
  report: { type: 'string' },
  'duration-sec': { type: 'string' },
  'warmup-sec': { type: 'string' },
  'capacity-sec': { type: 'string' },
  'worst-case-sec': { type: 'string' },
  'generator-cpus': { type: 'string' },
  'generator-nice': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  if (typeof v.host !== 'string')
    throw new InputError('--host', null, 'is required', 'pass the JSON kiln launch printed, or a file holding it');
  const host = parseHost(v.host);
  // A shorter load shape is for tests and quick looks (a real verify keeps the defaults).
  const shape: LoadShape = {
    ...DEFAULT_LOAD_SHAPE,
    durationSec: seconds(v, 'duration-sec', 5, 3600, DEFAULT_LOAD_SHAPE.durationSec),
    warmupSec: seconds(v, 'warmup-sec', 0, 600, DEFAULT_LOAD_SHAPE.warmupSec),
  };
  const capacitySec = seconds(v, 'capacity-sec', 0, 3600, 0);
  // Absent: the verify default for the host's kind (on for whole machines, off in a container).
  const worstCaseHoldSec = v['worst-case-sec'] === undefined ? undefined : seconds(v, 'worst-case-sec', 0, 600, 0);
  const genCpus = v['generator-cpus'] as string | undefined;
  if (genCpus !== undefined && !checkCpuList(genCpus))
    throw new InputError('--generator-cpus', genCpus, 'a CPU list like 0 or 0,2 or 2-3', 'fix the CPU list');
  const genNice = v['generator-nice'] === undefined ? undefined : Number(v['generator-nice']);
  if (genNice !== undefined && !(Number.isInteger(genNice) && genNice >= -20 && genNice <= 19)) {
    throw new InputError('--generator-nice', v['generator-nice'], 'a whole number from -20 to 19', 'pass e.g. -5');
  }
  const place = genCpus !== undefined || genNice !== undefined ? { cpus: genCpus, nice: genNice } : undefined;
  // Pinning places a generator on this machine; a host with a verifier has its load generated there.
  if (place && host.verifier)
    throw new InputError(
      genCpus !== undefined ? '--generator-cpus' : '--generator-nice',
      genCpus ?? genNice,
      'only when the load runs on this machine',
      `drop it: the host's load runs on its verifier ${host.verifier.address}`,
    );
  if (v.baseline !== undefined) readBaseline(v.baseline as string, tier.name);
  const baselineHost = v['baseline-host'] === undefined ? null : parseHost(v['baseline-host'] as string);
  const targetName = (v.target as string | undefined) ?? host.target;
  if (v.target !== undefined && host.target && v.target !== host.target) {
    throw new InputError('--target', v.target, `the host's own target (${host.target})`, 'drop --target or verify a box of that target');
  }
  let lineage: Lineage | null = null;
  let manifest: { path: string; sha256: string }[] | undefined;
  let bundle: ImageBundle | null = null;
  if (host.imageRef && targetName) {
    const image = await targetFor(targetName, targetOptions(v, targetName))
      .image(host.imageRef)
      .catch((e: unknown) => {
        if (!(e instanceof InputError)) throw e;
        throw new InputError(
          'host.imageRef',
          host.imageRef,
          `an image the ${targetName} target knows (${e.allowed})`,
          'pass the --state-dir (local) or aws settings the image was baked with',
        );
      });
    if (image.tier && image.tier !== tier.name)
      throw new InputError('--tier', tier.name, `the tier of image ${image.ref} (${image.tier})`, 'verify the box against its own tier');
    lineage = image.lineage;
    bundle = image.bundle;
    // An empty manifest would check no files: fall back to a fresh render instead.
    if (image.manifestFiles.length) manifest = image.manifestFiles;
  } else {
    progress('the host names no image: no lineage, so the verdict fails closed');
  }
  progress(`verifying ${host.address}:${host.port} as ${tier.name} (${shape.warmupSec} s warm-up, ${shape.durationSec} s judged)`);
  const r = await verifyCommand({
    host,
    tier,
    target: targetName,
    lineage,
    bundle,
    baselineRequired: v.baseline !== undefined,
    baselineTarget: baselineHost ? { host: baselineHost.address, port: 80 } : null,
    reportDir: v.report as string | undefined,
    shape,
    capacityBudgetSec: capacitySec,
    ...(worstCaseHoldSec !== undefined ? { worstCaseHoldSec } : {}),
    extras: manifest ? { manifest } : undefined,
    log: progress,
    runLoad: place ? (spec) => runLoadInChild(spec, place) : undefined,
  });
  const verdict = r.verdict;
  for (const reason of verdict.reasons) progress(`fail: ${reason}`);
  if (r.files) progress(`report: ${r.files.html} (verdict ${r.files.verdict}, junit ${r.files.junit})`);
  output(
    v,
    verdict,
    `${verdict.decision} ${verdict.tier} ${verdict.image.ref}${verdict.reasons.length ? ` (${verdict.reasons.length} reasons)` : ''}`,
  );
  return r.exitCode;
}
