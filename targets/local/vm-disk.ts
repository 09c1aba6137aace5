/** A VM's root disk: the image plus the guest kernel's modules and the NoCloud seed, as a sparse raw ext4 file. */
import { mkdir, open, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from './exec.ts';
import { removeTree } from '../../lib/fsutil.ts';
import type { GuestKernel } from './kernel.ts';
import { type Seed, writeSeed } from './seed.ts';
import {
  CLOUD_CFG_DROPIN,
  CLOUD_CFG_DROPIN_PATH,
  MODULE_LOADER_PATH,
  MASKED_UNIT,
  MODULE_UNIT,
  MODULE_UNIT_NAME,
  moduleLoaderScript,
  moduleLoadOrder,
  VM_NIC_MODULES,
} from './vm-guest.ts';

export interface DiskInput {
  /** The instance dir: the staging overlay lives here while the disk is built. */
  dir: string;
  /** The unpacked image (read-only lower dir, shared with boxes). */
  lower: string;
  kernel: GuestKernel;
  seed: Seed;
  sizeBytes: number;
  diskPath: string;
}

/** Where cloud-init's NoCloud looks on a disk without a seed drive (what a box gets bound in). */
export const SEED_DIR_IN_ROOT = 'var/lib/cloud/seed/nocloud';

async function installGuestFiles(root: string, kernel: GuestKernel, modulesDepPath: string): Promise<void> {
  const order = moduleLoadOrder(await readFile(modulesDepPath, 'utf8'), VM_NIC_MODULES);
  await mkdir(dirname(join(root, MODULE_LOADER_PATH)), { recursive: true });
  await writeFile(join(root, MODULE_LOADER_PATH), moduleLoaderScript(kernel.version, order), { mode: 0o755 });
  await writeFile(join(root, 'etc/systemd/system', MODULE_UNIT_NAME), MODULE_UNIT);
  await mkdir(join(root, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
  await symlink(`../${MODULE_UNIT_NAME}`, join(root, 'etc/systemd/system/sysinit.target.wants', MODULE_UNIT_NAME));
  // Without libkmod in the image it fails on every boot, with nothing to load: the unit above does the loading.
  await symlink('/dev/null', join(root, 'etc/systemd/system', MASKED_UNIT));
  await mkdir(dirname(join(root, CLOUD_CFG_DROPIN_PATH)), { recursive: true });
  await writeFile(join(root, CLOUD_CFG_DROPIN_PATH), CLOUD_CFG_DROPIN);
}

/** Builds the disk from an overlay of the image (the image stays untouched), then drops the overlay. */
export async function buildDisk(d: DiskInput): Promise<void> {
  const p = { upper: join(d.dir, 'disk-upper'), work: join(d.dir, 'disk-work'), root: join(d.dir, 'disk-root') };
  for (const x of Object.values(p)) await mkdir(x, { recursive: true });
  await run('mount', ['-t', 'overlay', 'overlay-kiln-disk', '-o', `lowerdir=${d.lower},upperdir=${p.upper},workdir=${p.work}`, p.root]);
  try {
    // Merged /usr (bookworm and later): lib/modules lives under usr/.
    const usrLib = await stat(join(p.root, 'usr/lib/modules')).then(
      () => 'usr/lib/modules',
      () => 'lib/modules',
    );
    await mkdir(join(p.root, usrLib), { recursive: true });
    await run('cp', ['-a', d.kernel.modulesDir, join(p.root, usrLib, d.kernel.version)]);
    await writeSeed(join(p.root, SEED_DIR_IN_ROOT), d.seed);
    await installGuestFiles(p.root, d.kernel, join(p.root, usrLib, d.kernel.version, 'modules.dep'));
    const f = await open(d.diskPath, 'w', 0o600);
    try {
      await f.truncate(d.sizeBytes); // sparse: only what mkfs writes takes space
    } finally {
      await f.close();
    }
    // As root, -d keeps owners, modes and xattrs of the merged tree.
    await run('mkfs.ext4', ['-q', '-F', '-L', 'kiln-root', '-d', p.root, d.diskPath], { timeout: 600_000 });
  } finally {
    await run('umount', [p.root], { allowFail: true });
    for (const x of Object.values(p)) await removeTree(x);
  }
}
