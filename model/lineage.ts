/** An image's lineage: the layers it was built from, its packages, its render, the memory profile its recipe tuned it to. */
import type { AppProfile } from '../images/web.ts';

/** One layer of an image, bottom first: the OS root, the base image (stack + canary), a team's app. */
export interface ImageLayer {
  kind: 'os' | 'base' | 'app';
  /** The OS root's cache key, or an image ref. */
  ref: string;
  /** For an app layer: its name and the sha256 of its build (source dir or wheel). */
  app?: { name: string; sha256: string };
}

/** The memory figures the image was tuned to, and where they come from. */
export interface AppMemoryProfile {
  workerPrivateMiB: number;
  threadMiB: number;
  workerGrowthMiB: number;
  masterMiB: number;
  source: 'assumed' | 'declared' | 'measured';
}

export interface Lineage {
  baseImage: string;
  /** package -> version, as installed in the image */
  packageVersions: Record<string, string>;
  /** sha256 of the render manifest the image was baked from */
  renderManifestSha256: string;
  layers?: ImageLayer[];
  appProfile?: AppMemoryProfile;
}

/** The lineage a local image records in its manifest (targets/local ImageManifest), structurally typed. */
export function lineageFromLocalImage(m: {
  base: { suite: string; key: string };
  packages: Record<string, string>;
  bundle: { manifestSha256: string };
  layers?: ImageLayer[];
}): Lineage {
  const base = m.layers?.find((l) => l.kind === 'base');
  return {
    baseImage: base ? `${base.ref} (debian ${m.base.suite})` : `debian ${m.base.suite} (${m.base.key})`,
    packageVersions: { ...m.packages },
    renderManifestSha256: m.bundle.manifestSha256,
    ...(m.layers ? { layers: m.layers } : {}),
  };
}

/** The memory figures an image's recipe tuned it to (its lineage's app profile). */
export const appProfileOf = (app: AppProfile): AppMemoryProfile => ({
  workerPrivateMiB: app.workerPrivateMiB,
  threadMiB: app.threadMiB,
  workerGrowthMiB: app.workerGrowthMiB,
  masterMiB: app.masterMiB,
  source: app.profileSource,
});
