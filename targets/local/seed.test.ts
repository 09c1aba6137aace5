/** The NoCloud seed: rendered user data kept, launch identity merged, static network on the veth. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { boxNet } from './net.ts';
import { limitsFor } from './cgroup.ts';
import { buildSeed } from './seed.ts';

/** What cloud-init sees: PyYAML's safe loader. */
const pyyaml = (text: string): Record<string, unknown> =>
  JSON.parse(
    execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), default=str))'], {
      input: text,
      encoding: 'utf8',
    }),
  );

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOqB1bcVvCy5j1Ti0fJ2zVbTbYjvR3wz1S6m7Dxq0Kx6 kiln-t1';
const USER_DATA =
  '#cloud-config\nlocale: C.UTF-8\nssh_pwauth: false\nwrite_files:\n  - path: /etc/x\n    content: "no"\n    permissions: "0640"\n';

describe('local seed', () => {
  it('keeps every rendered key and adds the launch login, hostname and instance id', () => {
    const seed = buildSeed({ id: 't1', userData: USER_DATA, publicKey: KEY, net: boxNet(7) });
    expect(seed.userData.startsWith('#cloud-config\n')).toBe(true);
    const doc = pyyaml(seed.userData);
    expect(doc.write_files).toEqual([{ path: '/etc/x', content: 'no', permissions: '0640' }]);
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.hostname).toBe('kiln-t1');
    expect(doc.users).toEqual(['default', expect.objectContaining({ name: 'kiln', ssh_authorized_keys: [KEY] })]);
    expect(pyyaml(seed.metaData)).toEqual({ 'instance-id': 't1', 'local-hostname': 'kiln-t1' });
    // A gateway on the static subnet: ifupdown adds the default route (a box reaches the host's own addresses through it).
    expect(pyyaml(seed.networkConfig)).toEqual({
      version: 1,
      config: [{ type: 'physical', name: 'eth0', subnets: [{ type: 'static', address: '10.77.7.2/24', gateway: '10.77.7.1' }] }],
    });
  });

  it('refuses user data that is not plain #cloud-config', () => {
    expect(() => buildSeed({ id: 't1', userData: '#!/bin/sh\necho hi\n', publicKey: KEY, net: boxNet(1) })).toThrow(/#cloud-config/);
  });

  it('sizes the CFS quota from vCPUs, or from the burstable baseline share', () => {
    expect(limitsFor(512, 2)).toEqual({ memoryBytes: 512 * 2 ** 20, cpuPeriodUs: 100_000, cpuQuotaUs: 200_000, cpus: undefined });
    expect(limitsFor(512, 2, 0.05).cpuQuotaUs).toBe(10_000);
  });
});
