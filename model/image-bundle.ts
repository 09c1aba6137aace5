/**
 * The bundle an image was baked from, as the image's record keeps it: every rendered file, the budget, the settings,
 * the tier and the recipe (app, traffic). Verify, gate, bench and deploy read this; nothing renders again after bake.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../images/render-types.ts';
import type { Tier } from '../images/tiers.ts';
import type { Recipe } from '../images/web.ts';

export interface BundleManifestEntry {
  path: string;
  role: Role;
  sha256: string;
  bytes: number;
  mode: string;
}

/** manifest.json of a bundle (pipeline/bundle/render-json.ts + the app payload's record). */
export interface BundleManifest {
  tier: string;
  ramMiB: number;
  vcpus: number;
  distro: string;
  budget: {
    osReserveMiB: number;
    ceilingMiB: number;
    components: Record<string, number>;
    headroomMiB: number;
    formulas: Record<string, string>;
  };
  settings: Record<string, Record<string, number | string | boolean>>;
  reasons: Record<string, string>;
  files: BundleManifestEntry[];
  imageHash: string;
  renderHash: string;
  tierSpec: Tier;
  recipe: Recipe;
  app:
    | { kind: 'canary' }
    | { kind: 'dir' | 'wheel'; build: string; sha256: string; files: number; requirementsSha256: string | null; addedGunicorn: boolean };
}

export interface ImageBundle {
  manifest: BundleManifest;
  files: { path: string; role: Role; content: string; mode: string }[];
}

const onDisk = (dir: string, path: string) => (path.startsWith('/') ? join(dir, 'rootfs', path) : join(dir, path));

/** Reads a bundle dir (as `kiln render --out` wrote it, or the copy an image keeps); fails when a listed file is gone. */
export async function readImageBundle(dir: string): Promise<ImageBundle> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  if (!manifest.recipe || !manifest.tierSpec || !Array.isArray(manifest.files)) {
    throw new Error(`${dir}/manifest.json records no recipe or tier: the image was baked by an older kiln; bake it again`);
  }
  const files = await Promise.all(
    manifest.files.map(async (e) => ({ path: e.path, role: e.role, mode: e.mode, content: await readFile(onDisk(dir, e.path), 'utf8') })),
  );
  return { manifest, files };
}

/** The stack's services an image runs (every unit its bundle adjusts with a drop-in), sorted: what gate and bench restart, check and judge. */
export function stackUnits(bundle: { files: readonly { path: string }[] }): string[] {
  const units = new Set<string>();
  for (const f of bundle.files) {
    const m = /^\/etc\/systemd\/system\/([^/]+\.service)\.d\//.exec(f.path);
    if (m) units.add(m[1]);
  }
  return [...units].sort();
}
