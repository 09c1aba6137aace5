/** `kiln bake --target local|aws --tier T [--json]`: renders the tier for the target's distro into a temp bundle, then bakes it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../images/distro.ts';
import { render } from '../images/render.ts';
import { BAKE_DISTRO_FLAG, BAKE_DISTRO_HELP, loadCatalog, loadRecipe, output, parse, progress, requireTier, selectTarget, TARGET_FLAGS, TARGET_HELP } from './args.ts';
import { writeBundle } from './write-bundle.ts';

export const help = `kiln bake --target local|aws --tier T [--distro D] [--json] [--catalog FILE] [--recipe FILE]
  Renders the tier for the target's distro (local: debian13, or debian12 with --distro; aws: ubuntu2404) and bakes an image from it:
  local = debootstrap base (cached) + chroot provisioning + hygiene, aws = packer build (Packer >= 1.10 and
  AWS credentials required; checked before anything is created). Prints the image ref (--json: the image
  with lineage). Unchanged inputs reuse a local image.
${BAKE_DISTRO_HELP}
${TARGET_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, { ...TARGET_FLAGS, ...BAKE_DISTRO_FLAG, tier: { type: 'string' } });
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const recipe = loadRecipe(v.recipe as string | undefined);
  const { name, target } = selectTarget(v);
  // Pure and complete before anything is written: a tier that cannot hold the stack leaves no files.
  const rendered = render(tier, recipe, DISTROS[target.distro]);
  const work = await mkdtemp(join(process.env.KILN_TMP ?? tmpdir(), 'kiln-bake-'));
  try {
    const bundleDir = await writeBundle(join(work, 'bundle'), rendered);
    progress(`baking ${tier.name} for ${name} (${target.distro})`);
    const image = await target.bake({ tier, bundleDir, log: progress });
    progress(`${image.reused ? 'reused' : 'baked'} ${image.ref}`);
    output(v, image, image.ref);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
