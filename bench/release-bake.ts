/**
 * Release bake vs full bake, side by side: the same app build baked as a layer on the tier's promoted base and as
 * a full image (OS root + stack + app), alternating, each round with a fresh marker in the app so nothing is reused.
 * Prints seconds per bake and the ratio. The OS root (debootstrap) is cached in both cases, as on any second night.
 *
 *   npx tsx bench/release-bake.ts RECIPE [TIER=nano] [ROUNDS=3] [STATE_DIR]
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { findTier, buildCatalog } from '../images/catalog.ts';
import { DISTROS } from '../images/distro.ts';
import { parseRecipe } from '../images/recipe-file.ts';
import { render } from '../images/render.ts';
import { readFileSync } from 'node:fs';
import { appPayload } from '../pipeline/app-payload.ts';
import { releaseRecipe } from '../pipeline/release.ts';
import { writeBundle } from '../pipeline/bundle/write-bundle.ts';
import { bake } from '../targets/local/bake.ts';
import type { LocalDistroId } from '../targets/local/base.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';

const [recipeArg, tierName = 'nano', roundsArg = '3', stateArg] = process.argv.slice(2);
if (!recipeArg) {
  process.stderr.write('usage: npx tsx bench/release-bake.ts RECIPE [TIER] [ROUNDS] [STATE_DIR]\n');
  process.exit(2);
}
const stateDir = resolve(stateArg ?? defaultStateDir());
const tier = findTier(buildCatalog(), tierName);
const target = localTarget({ stateDir });
const base = await target.promoted(tier.name);
if (!base) throw new Error(`tier ${tier.name} has no promoted base in ${stateDir}: run kiln nightly --tiers ${tier.name} first`);
const distro = target.distro;
const recipePath = resolve(recipeArg);
const srcDir = dirname(recipePath);
const work = await mkdtemp(join(stateDir, 'release-bake-bench-'));
const rows: { round: number; kind: 'release' | 'full'; sec: number; ref: string }[] = [];
try {
  for (let round = 1; round <= Number(roundsArg); round++) {
    for (const kind of (round % 2 ? ['release', 'full'] : ['full', 'release']) as ('release' | 'full')[]) {
      // A copy of the app with a marker file: a new build, so neither bake can reuse an image.
      const app = join(work, `${kind}-${round}`, 'app');
      await cp(srcDir, app, { recursive: true });
      await writeFile(join(app, '.kiln-bench-marker'), `${kind} ${round} ${Date.now()}\n`);
      const recipe = parseRecipe(readFileSync(join(app, relative(srcDir, recipePath)), 'utf8'), join(app, relative(srcDir, recipePath)));
      const payload = appPayload(recipe)!;
      const tuned = await releaseRecipe(stateDir, tier, recipe, payload, distro);
      const bundleDir = await writeBundle(join(work, `${kind}-${round}`, 'bundle'), render(tier, tuned, DISTROS[distro]), payload);
      const t0 = Date.now();
      const r = await bake({
        tier: tier.name,
        bundleDir,
        stateDir,
        distro: distro as LocalDistroId,
        ...(kind === 'release' ? { layerOn: base.ref } : {}),
      });
      const sec = (Date.now() - t0) / 1000;
      rows.push({ round, kind, sec, ref: r.ref });
      process.stderr.write(`round ${round} ${kind}: ${sec.toFixed(1)} s (${r.ref}${r.reused ? ', reused!' : ''})\n`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rel = rows.filter((r) => r.kind === 'release').map((r) => r.sec);
const full = rows.filter((r) => r.kind === 'full').map((r) => r.sec);
process.stdout.write(
  `| bake | seconds per round | median |\n|---|---|---|\n| release layer on ${base.ref} | ${rel.map((s) => s.toFixed(1)).join(', ')} | ${med(rel).toFixed(1)} |\n| full (OS root cached) | ${full.map((s) => s.toFixed(1)).join(', ')} | ${med(full).toFixed(1)} |\n\nrelease / full: ${(med(rel) / med(full)).toFixed(2)} (tier ${tier.name}, ${distro})\n`,
);
