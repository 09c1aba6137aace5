/** Pure parts of a VM launch: the qemu command line, the guest's user-mode network, the disk size. */
import type { Tier } from '../../images/tiers.ts';
import type { BoxNet } from './net.ts';

export type Accelerator = 'kvm' | 'tcg';

/** qemu's user-mode network (slirp): the guest's fixed address and its gateway, never seen outside the qemu process. */
export const VM_NET: BoxNet = { index: 0, hostAddress: '10.0.2.2', guestAddress: '10.0.2.15', prefixLen: 24 };
/** Fixed, so the seed's static config and the NIC agree. */
export const VM_MAC = '52:54:00:6b:69:01';
/** The EBS-like NVMe serial; nothing reads it but `lsblk`. */
export const VM_DISK_SERIAL = 'kilnroot';

/** A disk below this would not hold the image plus the kernel's modules and a first boot's writes. */
export const MIN_DISK_GIB = 3;

export interface VmPlan {
  id: string;
  tier: Pick<Tier, 'name' | 'ramMiB' | 'vcpus' | 'rootVolumeGiB'>;
  accel: Accelerator;
  vmlinuzPath: string;
  diskPath: string;
  consolePath: string;
  pidFilePath: string;
  sshPort: number;
  httpPort: number;
}

/** The tier's root volume, as EC2 would give it (never below MIN_DISK_GIB). */
export const diskSizeBytes = (rootVolumeGiB: number): number => Math.max(MIN_DISK_GIB, rootVolumeGiB) * 2 ** 30;

/** Root straight on NVMe with no initramfs (the cloud kernel has NVMe built in); eth0 keeps its name for the seed. */
export function kernelCmdline(): string {
  return ['root=/dev/nvme0n1', 'rw', 'rootfstype=ext4', 'console=ttyS0', 'net.ifnames=0'].join(' ');
}

/** Exactly the tier's RAM and vCPUs; SSH and HTTP only on loopback ports of this host. */
export function qemuArgs(p: VmPlan): string[] {
  const accel = p.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
  return [
    '-name',
    `kiln-${p.id}`,
    ...accel,
    '-smp',
    String(p.tier.vcpus),
    '-m',
    String(p.tier.ramMiB),
    '-kernel',
    p.vmlinuzPath,
    '-append',
    kernelCmdline(),
    '-drive',
    `file=${p.diskPath},if=none,id=d0,format=raw,cache=unsafe,discard=unmap`,
    '-device',
    `nvme,drive=d0,serial=${VM_DISK_SERIAL}`,
    '-netdev',
    `user,id=n0,hostfwd=tcp:127.0.0.1:${p.sshPort}-:22,hostfwd=tcp:127.0.0.1:${p.httpPort}-:80`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${VM_MAC}`,
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${p.consolePath}`,
    '-pidfile',
    p.pidFilePath,
  ];
}

/** A known_hosts line for a non-22 port (OpenSSH's `[host]:port` form). */
export function knownHostsLine(address: string, port: number, hostKey: string): string {
  return `${port === 22 ? address : `[${address}]:${port}`} ${hostKey}\n`;
}
