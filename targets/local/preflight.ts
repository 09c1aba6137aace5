/** Fails early, naming what is missing: root, capabilities, tools, cgroup v1 controllers, overlayfs. */
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export class PreflightError extends Error {
  readonly exitCode = 1;
  constructor(readonly missing: string[]) {
    super(`the local target cannot run here; missing: ${missing.join('; ')}`);
    this.name = 'PreflightError';
  }
}

export type Stage = 'bake' | 'launch' | 'vm' | 'destroy';

const TOOLS: Record<Stage, string[]> = {
  bake: ['debootstrap', 'tar', 'zstd', 'chroot', 'unshare', 'setpriv', 'mount', 'dpkg-query'],
  launch: ['systemd-nspawn', 'ip', 'nsenter', 'mount', 'umount', 'tar', 'zstd', 'ssh', 'ssh-keygen', 'setsid'],
  // A VM's disk is built from an overlay of the image (mkfs.ext4 -d), with the fetched kernel's modules indexed by depmod.
  vm: [
    'qemu-system-x86_64',
    'mkfs.ext4',
    'depmod',
    'apt-get',
    'apt-cache',
    'dpkg-deb',
    'mount',
    'umount',
    'tar',
    'zstd',
    'ssh',
    'ssh-keygen',
  ],
  destroy: ['ip', 'nsenter', 'umount'],
};

/** Tool -> Debian package, so the message says what to install. */
const PACKAGE_OF: Record<string, string> = {
  debootstrap: 'debootstrap',
  zstd: 'zstd',
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  setsid: 'util-linux',
  'qemu-system-x86_64': 'qemu-system-x86',
  'mkfs.ext4': 'e2fsprogs',
  depmod: 'kmod',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  'apt-cache': 'apt',
  setpriv: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  chroot: 'coreutils',
  tar: 'tar',
  'dpkg-query': 'dpkg',
};

export const CGROUP_ROOT = '/sys/fs/cgroup';
export const CGROUP_V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'systemd'] as const;

/** Capability bits the target uses (linux/capability.h). */
const CAPS: Record<string, number> = { CAP_SYS_ADMIN: 21, CAP_NET_ADMIN: 12, CAP_SYS_CHROOT: 18, CAP_KILL: 5 };

async function onPath(tool: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    try {
      await access(join(d, tool), constants.X_OK);
      return true;
    } catch {
      /* next dir */
    }
  }
  return false;
}

async function effectiveCaps(): Promise<bigint> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
  return BigInt(`0x${hex}`);
}

/** Everything missing for `stage`; empty when the host can run it. */
export async function missingFor(stage: Stage): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (run as uid 0)');
  const caps = await effectiveCaps();
  for (const [name, bit] of Object.entries(CAPS)) {
    if (!(caps & (1n << BigInt(bit)))) missing.push(`capability ${name}`);
  }
  for (const tool of TOOLS[stage]) {
    if (!(await onPath(tool))) missing.push(`tool ${tool} (apt-get install ${PACKAGE_OF[tool] ?? tool})`);
  }
  if (stage === 'launch') {
    for (const c of CGROUP_V1_CONTROLLERS) {
      try {
        await access(join(CGROUP_ROOT, c, 'cgroup.procs'), constants.W_OK);
      } catch {
        missing.push(`writable cgroup v1 controller ${c} at ${join(CGROUP_ROOT, c)}`);
      }
    }
  }
  if (stage === 'launch' || stage === 'vm') {
    const fs = await readFile('/proc/filesystems', 'utf8');
    if (!/\toverlay$/m.test(fs)) missing.push('overlayfs (modprobe overlay)');
  }
  return missing;
}

export async function preflight(stage: Stage): Promise<void> {
  const missing = await missingFor(stage);
  if (missing.length) throw new PreflightError(missing);
}
