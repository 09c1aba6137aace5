/** `kiln render (--tier T | --all) [--distro D] [--out DIR] [--json]`. */
import { join } from 'node:path';
import { DISTROS } from '../images/distro.ts';
import { InputError } from '../images/errors.ts';
import { render, type Rendered } from '../images/render.ts';
import { loadCatalog, loadRecipe, parse, progress, selectDistros, selectTiers, type Options } from './args.ts';
import { renderJson } from '../pipeline/bundle/render-json.ts';
import { appPayload } from '../pipeline/app-payload.ts';
import { writeBundle, writeBundles } from '../pipeline/bundle/write-bundle.ts';

export const help = `kiln render (--tier T | --all) [--distro ubuntu2404|debian13|debian12] [--out DIR] [--json] [--catalog FILE] [--recipe FILE]
  Tunes each tier and renders every file of its image. With --all, each tier goes to DIR/<tier>/.
  DIR is replaced whole, in one rename (--all: every tier at once): it must be missing, empty, or a render
  kiln wrote whose manifest.json lists every file in it; anything else is refused (exit 2) and left untouched.
  Exit codes: 0 rendered, 1 writing failed, 2 bad input (a flag, tier, catalog or recipe; a tier that cannot hold the stack).
  Default distro: ubuntu2404 (the AMI); debian13 is the local image (debian12 the local image with --distro debian12 on bake).`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { tier: { type: 'string' }, all: { type: 'boolean' }, distro: { type: 'string' }, out: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tiers = selectTiers(v, loadCatalog(v.catalog as string | undefined));
  const recipe = loadRecipe(v.recipe as string | undefined);
  const [distro] = selectDistros(v, [DISTROS.ubuntu2404]);
  if (!v.out && !v.json) throw new InputError('--out', null, 'is required unless --json is given', 'pass --out DIR');
  // Tune and render every tier before writing anything: a bad tier leaves no files behind.
  const renders: Rendered[] = tiers.map((t) => render(t, recipe, distro));
  // A team's app is checked on disk before anything is written, and goes in beside the files it renders.
  const payload = v.out ? appPayload(recipe) : null;
  const dirOf = (r: Rendered) => (v.out ? (v.all ? join(v.out as string, r.context.tier.name) : (v.out as string)) : null);
  if (v.out) {
    // --all: one swap for every tier, so a failure leaves the whole output as it was.
    if (v.all) await writeBundles(v.out as string, renders, payload);
    else await writeBundle(v.out as string, renders[0]!, payload);
    for (const r of renders) progress(`rendered ${r.context.tier.name} (${distro.id}): ${r.files.length} files -> ${dirOf(r)}`);
  }
  const docs = renders.map((r) => renderJson(r, dirOf(r)));
  if (v.json) process.stdout.write(`${JSON.stringify(v.all ? docs : docs[0], null, 2)}\n`);
  return 0;
}
