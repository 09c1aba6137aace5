/** What the Packer model is built from: one tier, one recipe, one distro, the image hash, an architecture, whether the bundle has an app. */
import type { DistroProfile } from '../distro.ts';
import type { Tier } from '../tiers.ts';
import type { Recipe } from '../web.ts';

export type Arch = 'x86_64' | 'arm64';

export interface PackerInput {
  tier: Tier;
  recipe: Recipe;
  distro: DistroProfile;
  imageHash: string;
  arch: Arch;
  /** The bundle carries a team's app under app/ (the recipe names a source): uploaded, tagged, and a release can be built. */
  app: boolean;
}

/** Ubuntu's name for the architecture in its AMI names. */
export const UBUNTU_ARCH: Record<Arch, string> = { x86_64: 'amd64', arm64: 'arm64' };
