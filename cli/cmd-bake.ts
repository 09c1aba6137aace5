/** `kiln bake --target local|aws --tier T [--json]`: renders the tier for the target's distro into a temp bundle, then bakes it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../images/distro.ts';
import { InputError } from '../images/errors.ts';
import { render } from '../images/render.ts';
import { isCanary } from '../images/web.ts';
import { appPayload } from '../pipeline/app-payload.ts';
import { releaseRecipe } from '../pipeline/release.ts';
import {
  BAKE_DISTRO_FLAG,
  BAKE_DISTRO_HELP,
  loadCatalog,
  loadRecipe,
  output,
  parse,
  progress,
  requireTier,
  selectTarget,
  TARGET_FLAGS,
  TARGET_HELP,
  type Options,
} from './args.ts';
import { writeBundle } from '../pipeline/bundle/write-bundle.ts';
import { resolve } from 'node:path';
import { defaultStateDir } from '../targets/local/paths.ts';
import type { Target } from '../targets/target.ts';

/** Where nightly keeps measured app figures: the --state-dir (also the ledgers' home on aws). */
const stateDirOf = (v: Record<string, unknown>) => resolve((v['state-dir'] as string | undefined) ?? defaultStateDir());

export const help = `kiln bake --target local|aws --tier T [--recipe kiln.yaml] [--base promoted|none|REF] [--distro D] [--json] [--catalog FILE]
  Renders the tier for the target's distro (local: debian13, or debian12 with --distro; aws: ubuntu2404) and bakes an image from it:
  local = debootstrap base (cached) + chroot provisioning + hygiene, aws = packer build (Packer >= 1.10 and
  AWS credentials required; checked before anything is created). Prints the image ref (--json: the image
  with lineage). Unchanged inputs reuse a local image.
  With a team's app (--recipe with app.source) the bake is a release layer on the tier's promoted base image
  (--base promoted, the default), on another image of the tier (--base REF), or a full bake of the stack with
  the app (--base none). It is tuned to the app's measured memory when kiln nightly has measured this build.
${BAKE_DISTRO_HELP}
  Exit codes: 0 baked (or reused), 1 the bake failed, 2 bad input (a flag, tier, recipe; no promoted base
  for --base promoted), before anything is created.
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, ...BAKE_DISTRO_FLAG, tier: { type: 'string' }, base: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const given = loadRecipe(v.recipe as string | undefined);
  const { name, target } = selectTarget(v);
  const payload = appPayload(given);
  if (isCanary(given) && v.base !== undefined)
    throw new InputError(
      '--base',
      v.base,
      "only with a recipe that has app.source (a release of a team's app)",
      'drop --base: the canary image is the base',
    );
  const base = payload ? await releaseBase(v.base as string | undefined, tier.name, target) : undefined;
  const recipe = payload ? await releaseRecipe(stateDirOf(v), tier, given, payload, target.distro) : given;
  // Pure and complete before anything is written: a tier that cannot hold the stack leaves no files.
  const rendered = render(tier, recipe, DISTROS[target.distro]);
  const work = await mkdtemp(join(process.env.KILN_TMP ?? tmpdir(), 'kiln-bake-'));
  try {
    const bundleDir = await writeBundle(join(work, 'bundle'), rendered, payload);
    progress(`baking ${tier.name} for ${name} (${target.distro})${base ? ` as a release layer on ${base}` : ''}`);
    const image = await target.bake({ tier, bundleDir, base, log: progress });
    progress(`${image.reused ? 'reused' : 'baked'} ${image.ref}`);
    output(v, image, image.ref);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The image a release is baked on: the tier's promoted base (default), a named image, or none (a full bake). */
async function releaseBase(flag: string | undefined, tier: string, target: Target): Promise<string | undefined> {
  if (flag === 'none') return undefined;
  if (flag !== undefined && flag !== 'promoted') return (await target.image(flag)).ref;
  const p = await target.promoted(tier);
  if (!p)
    throw new InputError(
      '--base',
      flag ?? 'promoted',
      `a promoted base image of tier ${tier} (none is promoted on ${target.name})`,
      'run kiln nightly for the tier first, or pass --base none for a full bake',
    );
  return p.ref;
}
