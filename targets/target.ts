/**
 * One shape for every target, so the CLI and the flows (nightly, gate, bench) never branch on a target's
 * name: bake a rendered bundle, boot a copy, tear it down, promote a verdict, read the promoted image.
 */
import type { Tier } from '../images/tiers.ts';
import type { DistroProfile } from '../images/distro.ts';
import type { Lineage } from '../model/lineage.ts';
import type { HostDescription } from '../model/host.ts';
import type { ImageBundle } from '../model/image-bundle.ts';

export type Log = (line: string) => void;

export interface BakedImage {
  ref: string;
  tier: string;
  /** True when unchanged inputs reused an existing image. */
  reused: boolean;
  /** The distro the image was built from: verify renders the expected files for it, not for the target's default. */
  distro: DistroProfile['id'];
  lineage: Lineage;
  /** Files the image must hold (absolute path -> sha256), from the render manifest baked into it. */
  manifestFiles: { path: string; sha256: string }[];
  /** The bundle the image was baked from, as the bake recorded it; null when this machine has no record of it. */
  bundle: ImageBundle | null;
}

export interface LaunchRequest {
  ref: string;
  tier: Tier;
  /** Names every resource of this box (janitor finds leftovers by it). */
  id: string;
  /** CPU set for the box (local), so a load generator can run on another core. */
  cpus?: string;
  /** Hold the box at its burstable baseline CPU share (a T-instance out of credits). */
  burstBaseline?: boolean;
  /** A JSON file of secret names to values the box reads at first boot (local; on aws secrets come from SSM). */
  secretsFile?: string;
  readyTimeoutSec?: number;
  /**
   * The id of a box this run launched before: the load generator that reaches that box must reach this one too
   * (an A/B). A target whose boxes take load from a verifier beside them puts this box behind the same verifier.
   */
  beside?: string;
  /** Boot the image as a whole machine (local: qemu with the tier's RAM and vCPUs) instead of a container. */
  vm?: boolean;
  log?: Log;
}

/**
 * A box that did not come up, with its memory: a target that can read the box's memory sets this on its error.
 * heldMiB is what the kernel cannot reclaim without swap (anonymous + shared memory) when the boot gave up.
 */
export interface MemoryAtBoot {
  oomKills: number;
  peakMiB: number;
  limitMiB: number;
  heldMiB: number;
}

/** Out of memory: something was OOM-killed, or what cannot be reclaimed fills 90 % of the box (it thrashes instead). */
export const ranOutOfMemory = (m: MemoryAtBoot) => m.oomKills > 0 || m.heldMiB >= 0.9 * m.limitMiB;

export function outOfMemoryAtBoot(e: unknown): MemoryAtBoot | null {
  const m = (e as { memory?: MemoryAtBoot } | null)?.memory;
  return m && ranOutOfMemory(m) ? m : null;
}

export const describeMemoryAtBoot = (m: MemoryAtBoot) =>
  m.oomKills > 0
    ? `the kernel OOM-killed ${m.oomKills} process(es) in the box (peak ${m.peakMiB} of ${m.limitMiB} MiB)`
    : `its processes held ${m.heldMiB} of ${m.limitMiB} MiB that cannot be reclaimed (peak ${m.peakMiB} MiB), no OOM kill`;

export interface PromotionRecord {
  tier: string;
  ref: string;
  verdictDigest: string;
  previousRef?: string;
}

export interface Target {
  readonly name: 'local' | 'aws';
  readonly distro: DistroProfile['id'];
  /** `base`: a release layer on this image (the tier's promoted base) instead of a full bake. */
  bake(req: { tier: Tier; bundleDir: string; base?: string; log?: Log }): Promise<BakedImage>;
  /** A baked image by ref (InputError naming the known refs when unknown). */
  image(ref: string): Promise<BakedImage>;
  launch(req: LaunchRequest): Promise<HostDescription>;
  destroy(id: string): Promise<void>;
  /** Promotes the verdict's image iff the verdict passed (fails closed otherwise). */
  promote(req: { verdictPath: string }): Promise<PromotionRecord>;
  promoted(tier: string): Promise<PromotionRecord | undefined>;
  janitor(req: { dryRun: boolean }): Promise<unknown>;
}

/** The files an image must hold, from its render manifest (manifest.json): absolute paths only, with their sha256. */
export function imageFiles(renderManifestJson: string): BakedImage['manifestFiles'] {
  const { files } = JSON.parse(renderManifestJson) as { files: { path: string; sha256: string }[] };
  return files.filter((f) => f.path.startsWith('/')).map(({ path, sha256 }) => ({ path, sha256 }));
}
