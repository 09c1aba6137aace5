/** bake: base root + rendered provisioning in a chroot + verified hygiene -> a content-addressed image. */
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runIsolated, say } from './exec.ts';
import { bakeDistro, ensureBase, LOCAL_BASES, type BaseSpec, type LocalDistroId } from './base.ts';
import { inspectBundle } from './bundle.ts';
import { mountsUnder, readJson, removeTree, sha256, sha256File, tmpName, writeFileAtomic } from '../../lib/fsutil.ts';
import { hygieneViolations } from './hygiene.ts';
import { findImage, imageBundleDir, imageManifestPath, imageTarball, imageUserDataPath, type ImageManifest } from './image.ts';
import { InputError } from '../../images/errors.ts';
import type { ImageLayer } from '../../model/lineage.ts';
import { withLock } from './lock.ts';
import { defaultCacheDir, defaultStateDir, imagesDir } from './paths.ts';
import { preflight } from './preflight.ts';
import { provisionRoot } from './provision.ts';

export interface BakeInput {
  tier: string;
  /** A `kiln render --out DIR` bundle. */
  bundleDir: string;
  cacheDir?: string;
  stateDir?: string;
  base?: BaseSpec;
  /** Build the root on a tmpfs (default true): much faster package installs, RAM-backed. */
  tmpfs?: boolean;
  /** The distro to build (default: the bundle's, else debian13): picks the base suite; KILN_DISTRO for provision.sh. */
  distro?: LocalDistroId;
  /** A release layer: bake on this image (a promoted base of the same tier and distro) instead of the OS root. */
  layerOn?: string;
}

export interface BakeResult {
  ref: string;
  reused: boolean;
  manifest: ImageManifest;
  tarball: string;
  manifestPath: string;
  /** Seconds spent: the base (0 when cached), provisioning, packing, total. */
  timings: { baseSec: number; provisionSec: number; packSec: number; totalSec: number };
}

export class HygieneError extends Error {
  constructor(readonly violations: string[]) {
    super(`the baked root failed golden-image hygiene:\n  ${violations.join('\n  ')}`);
    this.name = 'HygieneError';
  }
}

/** Bump when the bake procedure itself changes what an image contains. */
const BAKE_RECIPE_VERSION = 1;

/** Content address of an image: the same base, bundle and distro always give the same ref. */
export function imageRef(baseKey: string, bundleHash: string, distro: string): string {
  return `local-${sha256(JSON.stringify({ v: BAKE_RECIPE_VERSION, base: baseKey, bundle: bundleHash, distro })).slice(0, 20)}`;
}

export async function bake(input: BakeInput): Promise<BakeResult> {
  const t0 = Date.now();
  const cacheDir = input.cacheDir ?? defaultCacheDir();
  const stateDir = input.stateDir ?? defaultStateDir();
  const bundle = await inspectBundle(input.bundleDir);
  const distro = bakeDistro(input.distro, bundle.distro);
  const spec = input.base ?? LOCAL_BASES[distro];
  await preflight('bake');
  const under = input.layerOn ? await layerBase(stateDir, input.layerOn, input.tier, distro) : undefined;
  const base = under ? { key: under.ref, tarball: imageTarball(stateDir, under.ref), buildSec: 0 } : await ensureBase(cacheDir, spec);
  const baseSec = base.buildSec ?? 0;
  const layers: ImageLayer[] = under
    ? [...(under.layers ?? [{ kind: 'os', ref: under.base.key }]), { kind: 'base', ref: under.ref }]
    : [{ kind: 'os', ref: base.key }];
  if (bundle.app) layers.push({ kind: 'app', ref: '', app: bundle.app });
  const ref = imageRef(base.key, bundle.contentHash, distro);
  const tarball = imageTarball(stateDir, ref);
  const manifestPath = imageManifestPath(stateDir, ref);
  const reuse = async (): Promise<BakeResult | undefined> => {
    const m = await readJson<ImageManifest>(manifestPath);
    const ok =
      m
      && (await stat(tarball).then(
        (s) => s.size === m.tarball.bytes,
        () => false,
      ));
    if (!m || !ok) return undefined;
    say(`image ${ref} already baked from these inputs; reusing it`);
    // Same inputs, same bundle: an image baked before images kept theirs gets it now.
    if (!existsSync(join(imageBundleDir(stateDir, ref), 'manifest.json')))
      await recordBundle(input.bundleDir, imageBundleDir(stateDir, ref));
    return {
      ref,
      reused: true,
      manifest: m,
      tarball,
      manifestPath,
      timings: { baseSec, provisionSec: 0, packSec: 0, totalSec: (Date.now() - t0) / 1000 },
    };
  };
  const hit = await reuse();
  if (hit) return hit;
  return withLock(join(stateDir, 'locks', `bake-${ref}`), async () => {
    const again = await reuse();
    if (again) return again;
    await mkdir(join(stateDir, 'tmp'), { recursive: true });
    await mkdir(join(stateDir, 'logs'), { recursive: true });
    const work = tmpName(join(stateDir, 'tmp', `bake-${ref}`));
    const root = join(work, 'root');
    const log = join(stateDir, 'logs', `bake-${ref}.log`);
    const tmpTar = tmpName(tarball);
    await mkdir(work, { recursive: true });
    try {
      // dpkg and initdb fsync every file; on tmpfs that costs nothing, and the tarball is what persists.
      if (input.tmpfs !== false) await run('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=8g', `kiln-bake-${ref}`, work]);
      await mkdir(root, { recursive: true });
      say(`baking ${ref} for tier ${input.tier} (log: ${log})`);
      await runIsolated('tar -C "$1" --numeric-owner --xattrs --acls -I zstd -xpf "$2"', [root, base.tarball]);
      await cp(input.bundleDir, join(root, 'tmp/kiln'), { recursive: true, verbatimSymlinks: true });
      const tProv = Date.now();
      try {
        await provisionRoot(root, distro, log, under ? 'app' : 'full');
      } catch (e) {
        const tailText = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-20).join('\n');
        throw new Error(`provisioning failed (${(e as Error).message.split('\n')[0]}); log ${log} ends with:\n${tailText}`);
      }
      const provisionSec = (Date.now() - tProv) / 1000;
      const bad = await hygieneViolations(root);
      if (bad.length) throw new HygieneError(bad);
      const packages = await installedPackages(root);
      const tPack = Date.now();
      await mkdir(imagesDir(stateDir), { recursive: true });
      await runIsolated('tar -C "$1" --numeric-owner --xattrs --acls -cf - . | zstd -q -T0 -3 -o "$2"', [root, tmpTar]);
      const packSec = (Date.now() - tPack) / 1000;
      const manifest: ImageManifest = {
        ref,
        target: 'local',
        tier: input.tier,
        distro,
        createdAt: new Date().toISOString(),
        base: under ? { ...under.base } : { key: base.key, suite: spec.suite, include: [...spec.include] },
        layers: layers.map((l) => (l.kind === 'app' ? { ...l, ref } : l)),
        bundle: { contentHash: bundle.contentHash, manifestSha256: bundle.manifestSha256, fileCount: bundle.fileCount },
        packages,
        tarball: { file: `${ref}.tar.zst`, sha256: await sha256File(tmpTar), bytes: (await stat(tmpTar)).size },
        bakeSec: (Date.now() - t0) / 1000,
      };
      await rename(tmpTar, tarball);
      await copyFile(join(input.bundleDir, 'cloud-init/user-data'), imageUserDataPath(stateDir, ref));
      await copyFile(join(input.bundleDir, 'manifest.json'), join(imagesDir(stateDir), `${ref}.render-manifest.json`));
      await recordBundle(input.bundleDir, imageBundleDir(stateDir, ref));
      // The manifest lands last: a bake killed before this line leaves no image a later run could take.
      await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      say(`baked ${ref} in ${manifest.bakeSec.toFixed(1)} s (${(manifest.tarball.bytes / 2 ** 20).toFixed(0)} MiB)`);
      return {
        ref,
        reused: false,
        manifest,
        tarball,
        manifestPath,
        timings: { baseSec, provisionSec, packSec, totalSec: manifest.bakeSec },
      };
    } finally {
      await rm(tmpTar, { force: true });
      // A box booting beside the bake can hold a propagated copy of the tmpfs busy: detach it then, do not fail a finished bake.
      for (const m of await mountsUnder(work))
        if ((await run('umount', [m], { allowFail: true })).exitCode) await run('umount', ['-l', m], { allowFail: true });
      await removeTree(work);
    }
  });
}

/** The image a release layer goes on: complete, of the same tier and distro (its stack was tuned and proven for them). */
async function layerBase(stateDir: string, ref: string, tier: string, distro: string): Promise<ImageManifest> {
  const m = await findImage(stateDir, ref);
  if (m.tier !== tier)
    throw new InputError(
      'base image',
      ref,
      `an image of tier ${tier} (it is ${m.tier}'s)`,
      `bake the release on tier ${tier}'s promoted base`,
    );
  if (m.distro !== distro)
    throw new InputError(
      'base image',
      ref,
      `an image of distro ${distro} (it is ${m.distro})`,
      'bake the release on a base of the same distro',
    );
  return m;
}

/** The image keeps what it was rendered from (verify, gate and deploy read it); the app payload is in the image itself. */
async function recordBundle(bundleDir: string, dest: string): Promise<void> {
  const tmp = tmpName(dest);
  await cp(bundleDir, tmp, { recursive: true, filter: (src) => !/^\/(app|wheels)$/.test(src.slice(bundleDir.length)) });
  await removeTree(dest);
  await rename(tmp, dest);
}

async function installedPackages(root: string): Promise<Record<string, string>> {
  const { stdout } = await run('dpkg-query', [
    `--admindir=${join(root, 'var/lib/dpkg')}`,
    '-W',
    '-f=${db:Status-Abbrev}\t${Package}\t${Version}\n',
  ]);
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const [status, name, version] = line.split('\t');
    if (status?.startsWith('ii') && name && version) out[name] = version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
