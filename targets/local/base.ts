/** The debootstrapped base root, built once and cached as a tarball keyed by suite + package list. */
import { mkdir, rm, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runIsolated, say } from './exec.ts';
import { removeTree, sha256, tmpName } from './fsutil.ts';
import { withLock } from './lock.ts';

export interface BaseSpec {
  suite: string;
  mirror: string;
  variant: 'minbase';
  /** Packages debootstrap adds; python3-cffi-backend avoids a virtual-package failure (FIELD-NOTES). */
  include: readonly string[];
}

export const DEFAULT_BASE: BaseSpec = {
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  variant: 'minbase',
  include: ['systemd', 'systemd-sysv', 'openssh-server', 'cloud-init', 'python3-cffi-backend', 'iproute2',
    'ca-certificates', 'dbus', 'ifupdown', 'netbase', 'procps', 'sudo'],
};

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

const exists = (p: string) => stat(p).then(() => true, () => false);

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
        spec.variant, spec.include.join(','), spec.suite, work, spec.mirror,
      );
      // The build host's resolver must not travel in the image.
      await rm(join(work, 'root/etc/resolv.conf'), { force: true });
      await inPrivateMounts(
        'tar -C "$1/root" --numeric-owner --xattrs --acls -cf - . | zstd -q -T0 -3 -o "$1/base.tar.zst"', work,
      );
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
