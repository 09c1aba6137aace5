/**
 * Files only a VM's disk gets (never the image): a loader for the NIC's kernel modules, since the image is a
 * container root without udev or kmod, and a cloud-init drop-in that skips growing a disk that is already full size.
 */

/** The virtio NIC and its PCI transport: modules in Debian's cloud kernel, loaded before cloud-init looks for eth0. */
export const VM_NIC_MODULES = ['virtio_pci', 'virtio_net'] as const;

/** Pure: module files (relative to lib/modules/<ver>) in load order, every dependency before its user, from modules.dep. */
export function moduleLoadOrder(modulesDep: string, names: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  for (const line of modulesDep.split('\n')) {
    const [file, rest] = line.split(':');
    if (file && rest !== undefined) deps.set(file.trim(), rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = (n: string) =>
    [...deps.keys()].find(
      (f) =>
        f
          .replace(/^.*\//, '')
          .replace(/\.ko(\.[a-z]+)?$/, '')
          .replace(/-/g, '_') === n,
    );
  const order: string[] = [];
  const visit = (file: string) => {
    if (order.includes(file)) return;
    // modules.dep lists a module's dependencies deepest last: load them in reverse.
    for (const d of [...(deps.get(file) ?? [])].reverse()) visit(d);
    order.push(file);
  };
  for (const n of names) {
    const f = byName(n);
    if (!f) throw new Error(`kernel module ${n} is not in modules.dep`);
    visit(f);
  }
  return order;
}

export const MODULE_LOADER_PATH = 'usr/local/sbin/kiln-vm-modules';
export const MODULE_UNIT_NAME = 'kiln-vm-modules.service';

/** Python (cloud-init's interpreter, always in the image) calling finit_module(2): no kmod needed in the guest. */
export function moduleLoaderScript(kernelVersion: string, files: readonly string[]): string {
  return `#!/usr/bin/python3
# kiln VM only: loads the NIC's modules (the image has no udev/kmod). Already loaded (EEXIST) is fine.
import ctypes, errno, os
SYS_finit_module = 313  # x86_64
base = ${JSON.stringify(`/usr/lib/modules/${kernelVersion}/`)}
libc = ctypes.CDLL(None, use_errno=True)
for rel in ${JSON.stringify(files)}:
    fd = os.open(base + rel, os.O_RDONLY)
    try:
        if libc.syscall(SYS_finit_module, fd, b"", 0) != 0:
            e = ctypes.get_errno()
            if e != errno.EEXIST:
                raise OSError(e, os.strerror(e), rel)
    finally:
        os.close(fd)
`;
}

export const MODULE_UNIT = `[Unit]
Description=kiln VM: load the virtio NIC modules
DefaultDependencies=no
Before=cloud-init-local.service network-pre.target sysinit.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/${MODULE_LOADER_PATH}

[Install]
WantedBy=sysinit.target
`;

/** systemd's module loader needs libkmod, which a container image need not have. */
export const MASKED_UNIT = 'systemd-modules-load.service';

/** The disk is made at the tier's full size, and the image carries no resize2fs: growing it would only fail. */
export const CLOUD_CFG_DROPIN_PATH = 'etc/cloud/cloud.cfg.d/90-kiln-vm.cfg';
export const CLOUD_CFG_DROPIN = `# kiln VM only: the root filesystem already fills its disk.
resize_rootfs: false
growpart:
  mode: "off"
`;
