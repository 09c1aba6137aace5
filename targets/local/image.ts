/** The local image store: `<ref>.tar.zst` plus `<ref>.json` (written last: its presence means complete). */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../images/errors.ts';
import type { ImageLayer } from '../../model/lineage.ts';
import { runIsolated } from './exec.ts';
import { readJson, removeTree, tmpName } from '../../lib/fsutil.ts';
import { withLock } from './lock.ts';
import { imagesDir } from './paths.ts';

export interface ImageManifest {
  ref: string;
  target: 'local';
  tier: string;
  distro: string;
  createdAt: string;
  base: { key: string; suite: string; include: string[] };
  bundle: { contentHash: string; manifestSha256: string; fileCount: number };
  /** Installed Debian packages, name -> version, from dpkg-query in the baked root. */
  packages: Record<string, string>;
  tarball: { file: string; sha256: string; bytes: number };
  bakeSec: number;
  /** Bottom first: the debootstrapped OS, then the base image a release layer was baked on, then the app. */
  layers?: ImageLayer[];
}

export const REF_PATTERN = /^local-[0-9a-f]{20}$/;
export const imageTarball = (stateDir: string, ref: string) => join(imagesDir(stateDir), `${ref}.tar.zst`);
export const imageUserDataPath = (stateDir: string, ref: string) => join(imagesDir(stateDir), `${ref}.user-data`);
export const imageManifestPath = (stateDir: string, ref: string) => join(imagesDir(stateDir), `${ref}.json`);
/** The bundle the image was baked from (rendered files + manifest.json; not the app payload, which is in the image). */
export const imageBundleDir = (stateDir: string, ref: string) => join(imagesDir(stateDir), `${ref}.bundle`);

export async function listImages(stateDir: string): Promise<string[]> {
  const names = await readdir(imagesDir(stateDir)).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((r) => REF_PATTERN.test(r))
    .sort();
}

/** The manifest of a complete image, or an InputError naming the known refs. */
export async function findImage(stateDir: string, ref: string): Promise<ImageManifest> {
  const m = REF_PATTERN.test(ref) ? await readJson<ImageManifest>(imageManifestPath(stateDir, ref)) : undefined;
  const tarOk =
    m
    && (await stat(imageTarball(stateDir, ref)).then(
      (s) => s.size === m.tarball.bytes,
      () => false,
    ));
  if (!m || !tarOk) {
    const known = await listImages(stateDir);
    throw new InputError(
      'image',
      ref,
      known.length ? `known local images: ${known.join(', ')}` : 'no local image has been baked yet',
      'bake one with `kiln bake --target local --tier T` and pass the ref it prints',
    );
  }
  return m;
}

/** The image unpacked once, shared read-only as the lower dir of every instance's overlay. */
export async function ensureLowerDir(stateDir: string, ref: string): Promise<string> {
  const lower = join(imagesDir(stateDir), `${ref}.root`);
  const done = (p: string) =>
    stat(join(p, 'etc/os-release')).then(
      () => true,
      () => false,
    );
  if (await done(lower)) return lower;
  return withLock(join(stateDir, 'locks', `unpack-${ref}`), async () => {
    if (await done(lower)) return lower;
    const tmp = tmpName(lower);
    await mkdir(tmp, { recursive: true });
    try {
      await runIsolated('tar -C "$1" --numeric-owner --xattrs --acls -I zstd -xpf "$2"', [tmp, imageTarball(stateDir, ref)]);
      await rename(tmp, lower);
    } finally {
      await removeTree(tmp);
    }
    return lower;
  });
}
