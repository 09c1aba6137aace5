/**
 * What one tier's bench boxes boot and serve: the image, kiln's side of the configs and the workload. Without a
 * recipe, the tier's canary image (baked here, content-addressed); with one, the app's promoted release, taken as
 * its image recorded it (never rendered again).
 */
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import type { Tier } from '../../images/tiers.ts';
import { channelOf } from '../../targets/channel.ts';
import type { BakedImage, Target } from '../../targets/target.ts';
import { canarySide, recordedSide, type KilnSide } from './configs/render.ts';
import { kilnImage } from './image.ts';
import { canaryWorkload, releaseWorkload, type Workload } from './workload.ts';

export interface Subject {
  tier: Tier;
  imageRef: string;
  side: KilnSide;
  workload: Workload;
  /** The release channel the image was promoted on; null for the canary. */
  channel: string | null;
}

export async function canarySubject(tier: Tier, stateDir: string, ioMs: number | undefined, log: (line: string) => void): Promise<Subject> {
  const img = await kilnImage(tier, stateDir);
  log(`${tier.name}: image ${img.ref} (${img.reused ? 'cached' : `baked in ${Math.round(img.bakeSec)} s`})`);
  return {
    tier,
    imageRef: img.ref,
    side: canarySide(tier, DISTROS[img.distro]),
    workload: canaryWorkload(tier, ioMs, img.distro),
    channel: null,
  };
}

/** The app's promoted release on the tier, with its bundle; exit 2 when there is none (nothing is booted yet). */
export async function promotedRelease(
  target: Target,
  tier: Tier,
  app: string,
  recipeFile = 'FILE',
): Promise<{ image: BakedImage; channel: string }> {
  const nightly = `kiln nightly --tiers ${tier.name} --recipe ${recipeFile}`;
  const channel = channelOf(tier.name, app);
  const p = await target.promoted(channel);
  if (!p) {
    throw new InputError(
      '--recipe',
      app,
      `an app with a promoted release on tier ${tier.name} (channel ${channel} on ${target.name} has none)`,
      `run the nightly first: ${nightly}`,
    );
  }
  const image = await target.image(p.ref);
  if (image.tier !== tier.name)
    throw new InputError(
      `channel ${channel}`,
      p.ref,
      `an image of tier ${tier.name} (it is ${image.tier}'s)`,
      `release it again: ${nightly}`,
    );
  if (!image.bundle)
    throw new InputError(
      `channel ${channel}`,
      p.ref,
      'an image whose bundle this machine keeps (the bench renders its configs from it)',
      `release it again here: ${nightly}`,
    );
  return { image, channel };
}

/** Pure: the release as its bundle recorded it (recipe, settings, distro, units, traffic, seed). */
export function releaseSubject(tier: Tier, image: BakedImage, channel: string): Subject {
  const bundle = image.bundle;
  if (!bundle) throw new Error(`image ${image.ref} records no bundle`);
  let side: KilnSide;
  try {
    side = recordedSide(bundle.manifest);
  } catch (e) {
    throw new InputError(
      `image ${image.ref}`,
      channel,
      (e as Error).message,
      `release it again: kiln nightly --tiers ${tier.name} --recipe FILE`,
    );
  }
  return { tier, imageRef: image.ref, side, workload: releaseWorkload(tier, image.ref, bundle), channel };
}
