/** The pure parts of a VM launch: qemu's command line, the guest's module load order, the kernel package, the KVM probe's reading. */
import { describe, expect, it } from 'vitest';
import { findTier, buildCatalog } from '../../images/catalog.ts';
import { kernelRan } from './accel.ts';
import { versionedKernelPackage } from './kernel.ts';
import { diskSizeBytes, kernelCmdline, knownHostsLine, qemuArgs, type VmPlan } from './vm-plan.ts';
import { moduleLoaderScript, moduleLoadOrder } from './vm-guest.ts';

const plan = (tier: string, accel: 'kvm' | 'tcg'): VmPlan => ({
  id: 'abc',
  tier: findTier(buildCatalog(), tier),
  accel,
  vmlinuzPath: '/k/vmlinuz',
  diskPath: '/i/disk.raw',
  consolePath: '/i/console.log',
  pidFilePath: '/i/qemu.pid',
  sshPort: 40022,
  httpPort: 40080,
});
const valueAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('qemu command line', () => {
  it("gives the machine exactly the tier's RAM and vCPUs", () => {
    for (const [name, ram, cpus] of [
      ['nano', '512', '2'],
      ['micro', '1024', '2'],
      ['xlarge', '16384', '4'],
    ] as const) {
      const a = qemuArgs(plan(name, 'tcg'));
      expect([valueAfter(a, '-m'), valueAfter(a, '-smp')]).toEqual([ram, cpus]);
    }
  });

  it('boots the kernel with root on NVMe and forwards only loopback ports to 22 and 80', () => {
    const a = qemuArgs(plan('nano', 'tcg'));
    expect(valueAfter(a, '-append')).toBe(kernelCmdline());
    expect(kernelCmdline()).toMatch(/root=\/dev\/nvme0n1 /);
    expect(valueAfter(a, '-device')).toMatch(/^nvme,drive=d0,/);
    expect(valueAfter(a, '-netdev')).toBe('user,id=n0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40080-:80');
    expect(valueAfter(a, '-serial')).toBe('file:/i/console.log');
  });

  it('uses the accelerator it was given', () => {
    expect(valueAfter(qemuArgs(plan('nano', 'tcg')), '-accel')).toBe('tcg,thread=multi');
    expect(valueAfter(qemuArgs(plan('nano', 'kvm')), '-accel')).toBe('kvm');
  });
});

describe('disk, known_hosts, kernel package, KVM probe', () => {
  it("sizes the disk from the tier's root volume, never below the minimum", () => {
    expect(diskSizeBytes(10)).toBe(10 * 2 ** 30);
    expect(diskSizeBytes(1)).toBe(3 * 2 ** 30);
  });

  it('writes known_hosts in the [host]:port form for a forwarded port', () => {
    expect(knownHostsLine('127.0.0.1', 40022, 'ssh-ed25519 AAAA')).toBe('[127.0.0.1]:40022 ssh-ed25519 AAAA\n');
    expect(knownHostsLine('10.77.1.2', 22, 'ssh-ed25519 AAAA')).toBe('10.77.1.2 ssh-ed25519 AAAA\n');
  });

  it('finds the versioned cloud kernel the metapackage depends on', () => {
    expect(versionedKernelPackage('linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-57-cloud-amd64\n')).toBe(
      'linux-image-6.1.0-57-cloud-amd64',
    );
    expect(() => versionedKernelPackage('linux-image-cloud-amd64\n')).toThrow(/no versioned cloud kernel/);
  });

  it('counts a probe as booted only when the kernel got as far as its root', () => {
    expect(kernelRan('[ 1.8] VFS: Unable to mount root fs on unknown-block(0,0)')).toBe(true);
    expect(kernelRan('')).toBe(false);
  });
});

describe('guest module loader', () => {
  const dep = [
    'kernel/drivers/virtio/virtio_ring.ko: kernel/drivers/virtio/virtio.ko',
    'kernel/drivers/virtio/virtio.ko:',
    'kernel/drivers/virtio/virtio_pci_legacy_dev.ko:',
    'kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
    'kernel/net/core/failover.ko:',
    'kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko',
    'kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
  ].join('\n');

  it('loads every dependency before its user, each once', () => {
    const order = moduleLoadOrder(dep, ['virtio_pci', 'virtio_net']);
    expect(new Set(order).size).toBe(order.length);
    const at = (m: string) => order.findIndex((f) => f.endsWith(`/${m}.ko`));
    expect(at('virtio')).toBeLessThan(at('virtio_ring'));
    expect(at('virtio_ring')).toBeLessThan(at('virtio_pci'));
    expect(at('failover')).toBeLessThan(at('net_failover'));
    expect(at('net_failover')).toBeLessThan(at('virtio_net'));
    expect(order.at(-1)).toBe('kernel/drivers/net/virtio_net.ko');
  });

  it('refuses a module the kernel does not have', () => {
    expect(() => moduleLoadOrder(dep, ['ena'])).toThrow(/ena is not in modules.dep/);
  });

  it("writes the paths as data under the kernel's own module dir", () => {
    const s = moduleLoaderScript('6.1.0-57-cloud-amd64', ['kernel/a.ko']);
    expect(s).toContain('base = "/usr/lib/modules/6.1.0-57-cloud-amd64/"');
    expect(s).toContain('for rel in ["kernel/a.ko"]:');
  });
});
