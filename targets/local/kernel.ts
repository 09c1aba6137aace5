/** The guest kernel of a VM: Debian's cloud kernel (NVMe built in, as on Nitro), fetched from the apt mirror once per cache. */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run, say } from './exec.ts';
import { removeTree, tmpName } from '../../lib/fsutil.ts';
import { withLock } from './lock.ts';

/** The metapackage that always depends on the current versioned cloud kernel. */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

export interface GuestKernel {
  /** e.g. 6.1.0-57-cloud-amd64 */
  version: string;
  vmlinuzPath: string;
  /** lib/modules/<version>, with modules.dep generated (the .deb leaves that to its postinst). */
  modulesDir: string;
}

/** Pure: the versioned image package out of `apt-cache depends <metapackage>` output. */
export function versionedKernelPackage(dependsOutput: string): string {
  const m = /Depends:\s+(linux-image-[0-9][0-9.]*-[0-9]+-cloud-amd64)\b/.exec(dependsOutput);
  if (!m)
    throw new Error(`apt-cache depends ${KERNEL_METAPACKAGE} names no versioned cloud kernel (is the Debian mirror in sources.list?)`);
  return m[1]!;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function describe(dir: string, pkg: string): Promise<GuestKernel | undefined> {
  const version = pkg.replace(/^linux-image-/, '');
  const k: GuestKernel = { version, vmlinuzPath: join(dir, 'boot', `vmlinuz-${version}`), modulesDir: join(dir, 'lib/modules', version) };
  return (await exists(k.vmlinuzPath)) && (await exists(join(k.modulesDir, 'modules.dep'))) ? k : undefined;
}

/** Downloads and unpacks the kernel .deb into `<cacheDir>/kernel/<package>` (no install on this host). */
export async function ensureKernel(cacheDir: string): Promise<GuestKernel> {
  const pkg = versionedKernelPackage((await run('apt-cache', ['depends', KERNEL_METAPACKAGE])).stdout);
  const dir = join(cacheDir, 'kernel', pkg);
  const done = await describe(dir, pkg);
  if (done) return done;
  return withLock(join(cacheDir, 'locks', `kernel-${pkg}`), async () => {
    const again = await describe(dir, pkg);
    if (again) return again;
    const tmp = tmpName(dir);
    await mkdir(tmp, { recursive: true });
    try {
      say(`fetching guest kernel ${pkg}`);
      await run('apt-get', ['download', '-q', pkg], { cwd: tmp, timeout: 600_000 });
      const deb = (await readdir(tmp)).find((n) => n.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
      await run('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'root')]);
      await run('depmod', ['-b', join(tmp, 'root'), pkg.replace(/^linux-image-/, '')]);
      await mkdir(join(cacheDir, 'kernel'), { recursive: true });
      await rename(join(tmp, 'root'), dir);
    } finally {
      await removeTree(tmp);
    }
    const k = await describe(dir, pkg);
    if (!k) throw new Error(`kernel package ${pkg} has no vmlinuz or modules where expected`);
    return k;
  });
}
