/** A nano box baked and booted for real: services, ssh + host key, memory limit, hygiene, reboot, destroy. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bake, destroy, launch, memoryStats, setCpuQuota, type BoxHostDescription } from './index.ts';
import { sshRun, type SshTarget } from './ssh.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from './testing.ts';

const stateDir = TEST_STATE_DIR;
const boxes: BoxHostDescription[] = [];
const ssh = (h: BoxHostDescription): SshTarget => ({
  address: h.address,
  port: h.port,
  user: h.user,
  keyPath: h.keyPath,
  knownHostsPath: h.knownHostsPath,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local target: a nano box', () => {
  let a: BoxHostDescription;
  let b: BoxHostDescription;

  beforeAll(async () => {
    const bundle = await testBundle();
    const image = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    const ids = [`ba${process.pid}`, `bb${process.pid}`];
    // Two boxes at once, as the gate runs a candidate beside a baseline.
    // Box a is pinned to CPU 1 (as the gate pins the stack away from the load generator).
    const launched = await Promise.allSettled(
      ids.map((id, i) => launch({ imageRef: image.ref, tier: 'nano', id, stateDir, cpus: i === 0 ? '1' : undefined })),
    );
    for (const r of launched) if (r.status === 'fulfilled') boxes.push(r.value);
    for (const r of launched) if (r.status === 'rejected') throw r.reason;
    [a, b] = boxes as [BoxHostDescription, BoxHostDescription];
  }, 600_000);

  afterAll(async () => {
    for (const h of boxes) await destroy(h.id, { stateDir }).catch(() => undefined);
  }, 120_000);

  it('gets distinct ids and subnets, both reachable', () => {
    expect(a.id).not.toBe(b.id);
    expect(a.address).not.toBe(b.address);
    expect(a.cgroup.memory).toContain(a.id);
  });

  it('runs its services under systemd and serves HTTP to the host', async () => {
    const r = await sshRun(ssh(a), 'systemctl is-system-running; systemctl is-active nginx.service ssh.service; ps -o comm= -p 1');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['running', 'active', 'active', 'systemd']);
    const res = await fetch(`http://${a.address}/`, { signal: AbortSignal.timeout(10_000) });
    expect(res.headers.get('server') ?? '').toMatch(/nginx/);
  });

  it('accepts the launch key and only the captured host key', async () => {
    expect((await sshRun(ssh(a), 'id -un')).stdout).toBe('kiln');
    // The other box's key for this address must be refused: the check is real.
    const wrong = join(stateDir, `wrong-known-hosts-${process.pid}`);
    await writeFile(wrong, `${a.address} ${b.hostKey}\n`);
    const r = await sshRun({ ...ssh(a), knownHostsPath: wrong }, 'true');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/host key|HOST IDENTIFICATION/i);
  });

  it('gives each box its own machine-id and host key (image hygiene)', async () => {
    const ids = await Promise.all([a, b].map(async (h) => (await sshRun(ssh(h), 'cat /etc/machine-id')).stdout.trim()));
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(a.hostKey).not.toBe(b.hostKey);
  });

  it('enforces the tier memory limit inside the box: the hog is OOM-killed, sshd and the host are fine', async () => {
    const before = await memoryStats(a.id);
    expect(before.limitBytes).toBe(512 * 2 ** 20);
    const hog = await sshRun(ssh(a), `python3 -c "b = b'x' * (700 << 20); print('survived', len(b))"`, 60);
    expect(hog.stdout).not.toContain('survived');
    expect(hog.exitCode).not.toBe(0);
    const after = await memoryStats(a.id);
    expect(after.oomKills).toBeGreaterThan(before.oomKills);
    expect(after.maxUsageBytes).toBeLessThanOrEqual(after.limitBytes);
    expect((await sshRun(ssh(a), 'systemctl is-active ssh.service nginx.service')).stdout).toBe('active\nactive');
  }, 120_000);

  it('is pinned to its CPU set and capped by its CFS quota', async () => {
    expect((await sshRun(ssh(a), 'nproc')).stdout.trim()).toBe('1');
    expect((await sshRun(ssh(b), 'nproc')).stdout.trim()).toBe('2');
    // lxcfs: the box's own /proc/meminfo shows the tier's RAM, not the host's.
    expect((await sshRun(ssh(a), 'head -1 /proc/meminfo')).stdout).toMatch(/^MemTotal:\s+524288 kB/);
    const usage = () => readFile(join('/sys/fs/cgroup/cpuacct', `kiln-${a.id}`, 'cpuacct.usage'), 'utf8').then(Number);
    // A T instance out of credits: 0.1 CPU. A 3 s busy loop may then use about 0.3 s of CPU, not 3 s.
    await setCpuQuota(a.id, 10_000);
    try {
      const before = await usage();
      await sshRun(ssh(a), 'timeout 3 sh -c "while :; do :; done"; true', 30);
      const usedSec = ((await usage()) - before) / 1e9;
      expect(usedSec).toBeLessThan(1);
    } finally {
      await setCpuQuota(a.id, a.limits.cpuQuotaUs);
    }
  }, 60_000);

  it('comes back from an in-guest reboot with the same identity', async () => {
    expect((await sshRun(ssh(b), 'sudo touch /run/kiln-before-reboot && sudo systemctl reboot')).exitCode).not.toBe(127);
    const events = join(b.root, '../events');
    const deadline = Date.now() + 90_000;
    while (!(await readFile(events, 'utf8')).includes('boot 2 start') && Date.now() < deadline) await sleep(250);
    let up = '';
    while (Date.now() < deadline) {
      const r = await sshRun(ssh(b), 'test ! -e /run/kiln-before-reboot && systemctl is-system-running --wait', 60);
      up = r.stdout.trim();
      if (r.exitCode === 0 && up === 'running') break;
      await sleep(500);
    }
    expect(up).toBe('running');
    expect(await readFile(events, 'utf8')).toMatch(/boot 1 exit 133/);
  }, 120_000);

  it('destroy leaves nothing behind (netns, veth, cgroups, mounts, processes)', async () => {
    for (const h of [...boxes]) {
      await destroy(h.id, { stateDir });
      boxes.splice(boxes.indexOf(h), 1);
      expect(await leftovers(h.id, stateDir)).toEqual([]);
    }
  }, 120_000);
});
