/** `kiln bench`: does the tuning pay? Capacity and memory of kiln vs the seed, stock and rule-of-thumb configs on local boxes. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { findTier } from '../images/catalog.ts';
import { InputError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import { isCanary, type Recipe } from '../images/web.ts';
import { runBench } from '../pipeline/bench/run.ts';
import { IO_MS_MAX, ioMsAllowed } from '../pipeline/bench/capacity.ts';
import { markdown, plots } from '../pipeline/bench/report.ts';
import { promotedRelease, releaseSubject, type Subject } from '../pipeline/bench/subject.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';
import { loadCatalog, loadRecipe, parse, progress, type Options } from './args.ts';

export const help = `kiln bench [--tiers nano,micro,small] [--recipe kiln.yaml] [--repeat N] [--out DIR] [--no-pin] [--io-ms MS]
           [--survival TIERS|none] [--state-dir DIR] [--json]
  Boots each tier's kiln image once per config (kiln, seed 001, Debian stock, common rules), searches each one's
  capacity on the canary mix round-robin N times (default 3; 0 = survival tests only), then (on --survival tiers, default nano) bursts slow requests and fills Redis past its limit.
  --recipe kiln.yaml benches a team's app instead: per tier its promoted release (channel <tier>.<app>, made by
  kiln nightly --tiers T --recipe kiln.yaml; none is exit 2), the configs rendered from the release's recorded
  recipe and settings, the app's seed run once per box, capacity searched on the app's traffic. The headline is
  kiln vs the best survivor (no OOM kill, SLO held at some rate): >= 1.3x and zero OOM kills for kiln. Survival
  defaults to none; on --survival tiers only the Redis fill runs (when the image runs Redis).
  --io-ms MS adds an upstream-bound endpoint to the canary mix: 1 request in 6 waits MS ms holding its worker (canary only).
  Pinned by default: boxes on CPU 1, the load generator on CPU 0. Writes bench.json, bench.md and SVG plots to DIR
  (default .kiln/bench/<time>). Images and releases come from --state-dir (default .kiln/state or KILN_STATE_DIR).
  Needs root (local target).
  Exit codes: 0 every config was measured, 1 any measurement failed (errors in bench.json), 2 bad input
  (a flag, tier or recipe; no promoted release to bench), before anything boots.`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {
  tiers: { type: 'string' },
  repeat: { type: 'string' },
  out: { type: 'string' },
  'no-pin': { type: 'boolean' },
  'io-ms': { type: 'string' },
  survival: { type: 'string' },
  'state-dir': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const catalog = loadCatalog(v.catalog as string | undefined);
  const tiers = String(v.tiers ?? 'nano,micro,small')
    .split(',')
    .filter(Boolean)
    .map((n) => findTier(catalog, n.trim()));
  const repeat = Number(v.repeat ?? 3);
  if (!Number.isInteger(repeat) || repeat < 0 || repeat > 20)
    throw new InputError('--repeat', v.repeat, 'an integer 0..20 (0: survival tests only)', 'pass e.g. --repeat 3');
  const recipe = v.recipe === undefined ? null : loadRecipe(v.recipe as string);
  if (recipe && isCanary(recipe))
    throw new InputError(
      '--recipe',
      v.recipe,
      "a recipe whose app has a source (a team's app; its releases are benched)",
      'give app.source, or drop --recipe to bench the canary',
    );
  const ioMs = v['io-ms'] === undefined ? undefined : Number(v['io-ms']);
  if (ioMs !== undefined && recipe)
    throw new InputError(
      '--io-ms',
      v['io-ms'],
      "only without --recipe: it adds the canary's /slow endpoint, which a team's app does not have",
      "drop --io-ms; the app's traffic is what its boxes get",
    );
  if (ioMs !== undefined && !ioMsAllowed(ioMs))
    throw new InputError(
      '--io-ms',
      v['io-ms'],
      `an integer 1..${IO_MS_MAX} (ms an upstream-bound request waits)`,
      'pass e.g. --io-ms 50, or leave it out for the canary mix',
    );
  const pin = !v['no-pin'];
  if (pin && availableParallelism() < 2)
    throw new InputError('--no-pin', false, 'pinning needs 2 CPUs (box on 1, generator on 0)', 'pass --no-pin');
  const survivalFlag = String(v.survival ?? (recipe ? 'none' : 'nano'));
  const survivalTiers = survivalFlag === 'none' ? [] : survivalFlag.split(',').map((n) => findTier(catalog, n.trim()).name);
  const stateDir = resolve((v['state-dir'] as string | undefined) ?? defaultStateDir());
  // Every tier's release is found, and its record read, before anything boots: a missing one is bad input.
  const release = recipe ? { app: recipe.app.name, subjects: await releases(stateDir, tiers, recipe, v.recipe as string) } : undefined;
  for (const s of release?.subjects ?? []) {
    if (survivalTiers.includes(s.tier.name) && !s.workload.survivalTests.length) {
      throw new InputError(
        '--survival',
        survivalFlag,
        `tiers whose image has a survival test (the slow burst needs the canary's /slow; the Redis fill needs Redis, and ${release!.app} on ${s.tier.name} runs ${s.workload.services.join(', ')})`,
        'pass --survival none',
      );
    }
  }
  const out = resolve(String(v.out ?? join('.kiln/bench', new Date().toISOString().replace(/[-:.]/g, ''))));
  const result = await runBench({
    tiers,
    repeat,
    stateDir,
    boxCpus: pin ? '1' : undefined,
    genCpus: pin ? '0' : undefined,
    ioMs,
    release,
    survivalTiers,
    log: (l) => progress(`bench: ${l}`),
  });
  await mkdir(out, { recursive: true });
  const ram = (name: string) => tiers.find((t) => t.name === name)!.ramMiB;
  await writeFile(join(out, 'bench.json'), `${JSON.stringify(result, null, 1)}\n`);
  await writeFile(join(out, 'bench.md'), markdown(result));
  for (const [name, svg] of Object.entries(plots(result, ram))) await writeFile(join(out, name), svg);
  progress(`bench: wrote ${out}/bench.json, bench.md and plots`);
  process.stderr.write(markdown(result));
  if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.errors.length ? 1 : 0;
}

/** Each tier's promoted release of the recipe's app, as its image recorded it; the file only names the app. */
async function releases(stateDir: string, tiers: Tier[], recipe: Recipe, file: string): Promise<Subject[]> {
  const target = localTarget({ stateDir });
  const out: Subject[] = [];
  for (const tier of tiers) {
    const { image, channel } = await promotedRelease(target, tier, recipe.app.name, file);
    const subject = releaseSubject(tier, image, channel);
    if (JSON.stringify(image.bundle!.manifest.recipe.traffic) !== JSON.stringify(recipe.traffic)) {
      progress(
        `bench: note: ${channel}'s release ${image.ref} recorded other traffic than ${recipe.app.name}'s recipe file has now; the release's own is sent`,
      );
    }
    out.push(subject);
  }
  return out;
}
