/**
 * The fleet's launch-template user data: the same cloud-config the image's bundle carries (boot.json with names
 * only). An instance with its own PostgreSQL migrates its own database at first boot; with a database outside the
 * image, shared by the fleet, no instance migrates by itself (docs/aws.md: migrations for a fleet).
 */
import { bootConfig } from '../../images/cloud-init/boot-config.ts';
import { buildUserData, serializeUserData } from '../../images/cloud-init/user-data.ts';
import { DISTROS } from '../../images/distro.ts';
import type { Tier } from '../../images/tiers.ts';
import type { Recipe } from '../../images/web.ts';

/** `imageHash`: the AMI's kiln:image-hash tag (lineage only). Throws InputError for a recipe the image could not boot with. */
export const fleetUserData = (tier: Tier, recipe: Recipe, imageHash: string): string =>
  serializeUserData(
    buildUserData(
      bootConfig({ tierName: tier.name, recipe, distro: DISTROS.ubuntu2404, imageHash, migrate: recipe.services.includes('postgres') }),
    ),
  );
