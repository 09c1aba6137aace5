/** The tuned kiln image of a tier for the bench: render (the local default distro) into the state dir, bake (content-addressed, so a warm bake reuses it). */
import { join } from 'node:path';
import { DISTROS } from '../../images/distro.ts';
import { render } from '../../images/render.ts';
import type { Tier } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import { writeBundle } from '../bundle/write-bundle.ts';
import { bake } from '../../targets/local/index.ts';
import { DEFAULT_LOCAL_DISTRO, type LocalDistroId } from '../../targets/local/base.ts';

export async function kilnImage(
  tier: Tier,
  stateDir: string,
  cacheDir?: string,
  distro: LocalDistroId = DEFAULT_LOCAL_DISTRO,
): Promise<{ ref: string; distro: LocalDistroId; bakeSec: number; reused: boolean }> {
  const bundleDir = await writeBundle(join(stateDir, 'bench-bundles', tier.name), render(tier, WEB, DISTROS[distro]));
  const r = await bake({ tier: tier.name, bundleDir, stateDir, cacheDir, distro });
  return { ref: r.ref, distro, bakeSec: r.timings.totalSec, reused: r.reused };
}
