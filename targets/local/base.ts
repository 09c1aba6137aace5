/** The debootstrapped base root, built once and cached as a tarball keyed by suite + package list. */
import { mkdir, rm, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { runIsolated, say } from './exec.ts';
import { removeTree, sha256, tmpName } from '../../lib/fsutil.ts';
import { withLock } from './lock.ts';

export interface BaseSpec {
  suite: string;
  mirror: string;
  variant: 'minbase';
  /** Packages debootstrap adds; python3-cffi-backend avoids a virtual-package failure of debootstrap. */
  include: readonly string[];
}

// Both releases boot under this host's nspawn with the same minbase set; only the suite differs.
const include = [
  'systemd',
  'systemd-sysv',
  'openssh-server',
  'cloud-init',
  'python3-cffi-backend',
  'iproute2',
  'ca-certificates',
  'dbus',
  'ifupdown',
  'netbase',
  'procps',
  'sudo',
] as const;
const debian = (suite: string): BaseSpec => ({ suite, mirror: 'http://deb.debian.org/debian', variant: 'minbase', include });

/** The distros the local target bakes (DISTROS entries with builder 'local'), each with its base root; the default first. */
export const LOCAL_BASES = {
  // Debian 13: Python 3.13 (Django 6 needs >= 3.12), PostgreSQL 17, PgBouncer 1.24, Redis 8.0, nginx 1.26.
  debian13: debian('trixie'),
  // Debian 12: Python 3.11, PostgreSQL 15; kept for apps not yet on Python 3.12+.
  debian12: debian('bookworm'),
} as const satisfies Record<string, BaseSpec>;

export type LocalDistroId = keyof typeof LOCAL_BASES;
export const LOCAL_DISTROS = Object.keys(LOCAL_BASES) as LocalDistroId[];
export const DEFAULT_LOCAL_DISTRO: LocalDistroId = 'debian13';
export const DEFAULT_BASE: BaseSpec = LOCAL_BASES[DEFAULT_LOCAL_DISTRO];

const isLocal = (d: string): d is LocalDistroId => Object.hasOwn(LOCAL_BASES, d);

/** The distro to bake: the one asked for, else the bundle's; a bundle rendered for another release cannot be provisioned on this base. */
export function bakeDistro(asked: LocalDistroId | undefined, rendered: string | undefined): LocalDistroId {
  if (rendered !== undefined && !isLocal(rendered)) {
    throw new InputError(
      'bundle distro',
      rendered,
      `one the local target bakes (${LOCAL_DISTROS.join(', ')})`,
      `render with --distro ${asked ?? DEFAULT_LOCAL_DISTRO}`,
    );
  }
  if (asked && rendered && asked !== rendered) {
    throw new InputError('bundle distro', rendered, `the distro being baked (${asked})`, `render the bundle with --distro ${asked}`);
  }
  return asked ?? rendered ?? DEFAULT_LOCAL_DISTRO;
}

export interface BaseImage {
  key: string;
  tarball: string;
  builtNow: boolean;
  buildSec?: number;
}

/** Content key: the mirror does not change what a suite's packages are meant to be, so it is left out. */
export function baseKey(spec: BaseSpec): string {
  const canon = JSON.stringify({ suite: spec.suite, variant: spec.variant, include: [...spec.include].sort() });
  return `${spec.suite}-${spec.variant}-${sha256(canon).slice(0, 16)}`;
}

export const baseTarball = (cacheDir: string, key: string) => join(cacheDir, 'base', `${key}.tar.zst`);

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Anything debootstrap mounts or starts vanishes with the namespace, even when kiln is killed. */
const inPrivateMounts = (script: string, ...args: string[]) => runIsolated(script, args, { maxBuffer: 64 * 1024 * 1024 });

export async function ensureBase(cacheDir: string, spec: BaseSpec = DEFAULT_BASE): Promise<BaseImage> {
  const key = baseKey(spec);
  const tarball = baseTarball(cacheDir, key);
  if (await exists(tarball)) return { key, tarball, builtNow: false };
  return withLock(join(cacheDir, 'locks', `base-${key}`), async () => {
    if (await exists(tarball)) return { key, tarball, builtNow: false };
    const work = tmpName(join(cacheDir, 'tmp', `base-${key}`));
    await mkdir(join(work, 'root'), { recursive: true });
    const started = Date.now();
    try {
      say(`debootstrap ${spec.suite} (${spec.variant}) into the cache, once (~90 s)`);
      await inPrivateMounts(
        'debootstrap --variant="$1" --include="$2" "$3" "$4/root" "$5"',
        spec.variant,
        spec.include.join(','),
        spec.suite,
        work,
        spec.mirror,
      );
      // The build host's resolver must not travel in the image.
      await rm(join(work, 'root/etc/resolv.conf'), { force: true });
      await inPrivateMounts('tar -C "$1/root" --numeric-owner --xattrs --acls -cf - . | zstd -q -T0 -3 -o "$1/base.tar.zst"', work);
      await mkdir(join(cacheDir, 'base'), { recursive: true });
      await rename(join(work, 'base.tar.zst'), tarball);
      const buildSec = (Date.now() - started) / 1000;
      say(`base ${key} cached in ${buildSec.toFixed(1)} s`);
      return { key, tarball, builtNow: true, buildSec };
    } finally {
      await removeTree(work);
    }
  });
}
