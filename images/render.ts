/** render(): tier + recipe + distro -> every generated file and a manifest. Pure: writes nothing. */
import { createHash } from 'node:crypto';
import { DISTROS, type DistroProfile } from './distro.ts';
import { FILES, BUNDLE_FILES } from './files/index.ts';
import { ROLES, type FileSpec, type RenderContext, type RenderedFile } from './render-types.ts';
import type { Tier } from './tiers.ts';
import { settingReasons, settingValues, tune } from './tuning/index.ts';
import type { Recipe } from './web.ts';

export interface ManifestEntry {
  path: string;
  role: RenderedFile['role'];
  sha256: string;
  bytes: number;
  mode: string;
}

export interface Rendered {
  context: RenderContext;
  files: RenderedFile[];
  manifest: ManifestEntry[];
  /** Hash of the files that go into the image (lineage: AMI tags, local image ref). */
  imageHash: string;
  /** Hash of every file, bundle included. */
  renderHash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const BUNDLE_PREFIXES = ['packer/', 'cloud-init/', 'provision/'];
const SAFE_PATH = /^[A-Za-z0-9._@+/-]+$/;

/** A path must be absolute (inside the image) or a bundle path, with no `..` and no odd characters. */
export function checkPath(path: string): void {
  const ok =
    SAFE_PATH.test(path)
    && !path.split('/').some((seg) => seg === '..' || seg === '.')
    && (path.startsWith('/') ? !path.startsWith('//') : BUNDLE_PREFIXES.some((p) => path.startsWith(p)));
  if (!ok) throw new Error(`kiln bug: rendered path ${JSON.stringify(path)} is not a safe image or bundle path`);
}

const hashOf = (entries: ManifestEntry[]) => sha256(entries.map((e) => `${e.path}\0${e.mode}\0${e.sha256}\n`).join(''));

function renderSpecs(specs: FileSpec[], ctx: RenderContext): RenderedFile[] {
  return specs
    .filter((spec) => !spec.service || ctx.recipe.services.includes(spec.service))
    .flatMap((spec) => spec.render(ctx).map((f) => ({ ...f, role: spec.role })));
}

function toManifest(files: RenderedFile[]): ManifestEntry[] {
  const seen = new Set<string>();
  return files
    .map((f) => {
      checkPath(f.path);
      if (!ROLES.includes(f.role)) throw new Error(`kiln bug: unknown role ${f.role}`);
      if (seen.has(f.path)) throw new Error(`kiln bug: ${f.path} rendered twice`);
      seen.add(f.path);
      return { path: f.path, role: f.role, sha256: sha256(f.content), bytes: Buffer.byteLength(f.content), mode: f.mode };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function render(tier: Tier, recipe: Recipe, distro: DistroProfile = DISTROS.ubuntu2404): Rendered {
  const tuned = tune(tier, recipe, distro.osShare);
  const base: RenderContext = {
    tier,
    recipe,
    distro,
    tuned,
    s: settingValues(tuned.settings),
    r: settingReasons(tuned.settings),
    imageHash: '',
  };
  const imageFiles = renderSpecs(FILES, base);
  const imageHash = hashOf(toManifest(imageFiles));
  // Bundle files (Packer template, user data) carry the image hash as lineage, so they render second.
  const files = [...imageFiles, ...renderSpecs(BUNDLE_FILES, { ...base, imageHash })];
  const manifest = toManifest(files);
  const byPath = new Map(files.map((f) => [f.path, f]));
  return {
    context: { ...base, imageHash },
    files: manifest.map((e) => byPath.get(e.path)!),
    manifest,
    imageHash,
    renderHash: hashOf(manifest),
  };
}
