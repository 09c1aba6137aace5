import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../images/errors.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { verifyCommand } from './command.ts';
import { startNginx } from './load/testing/servers.ts';
import { startSshd, type LocalSshd } from './testing/sshd.ts';
import { parseHost } from './host.ts';

let sshd: LocalSshd;
let nginx: Awaited<ReturnType<typeof startNginx>>;
let out: string;
beforeAll(async () => { sshd = await startSshd(); nginx = await startNginx(); out = mkdtempSync(join(tmpdir(), 'kiln-verify-cmd-')); });
afterAll(async () => { await nginx?.stop(); await sshd?.stop(); if (out) rmSync(out, { recursive: true, force: true }); });

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;

describe('verifyCommand', () => {
  it('refuses bad input before measuring anything', async () => {
    await expect(verifyCommand({ host: sshd.host, tier: nano, lineage: null, bundle: null, baselineRequired: false })).rejects.toBeInstanceOf(InputError);
    await expect(verifyCommand({ host: { ...sshd.host, target: 'local', tier: 'large' }, tier: nano, lineage: null, bundle: null, baselineRequired: false })).rejects.toThrow(/--tier/);
    expect(() => parseHost('{"address":"127.0.0.1","port":22,"user":"root","keyPath":"/nonexistent","hostKey":"SHA256:x"}')).toThrow(InputError);
    expect(() => parseHost('not json and not a file')).toThrow(InputError);
  });

  it('parses kiln launch JSON including the cgroup path', () => {
    const h = parseHost(JSON.stringify({ ...sshd.host, target: 'local', imageRef: 'local-0123456789abcdef0123', tier: 'nano', cgroup: { memory: '/sys/fs/cgroup/memory/kiln-x' }, extra: 1 }));
    expect(h).toMatchObject({ target: 'local', imageRef: 'local-0123456789abcdef0123', tier: 'nano', memoryCgroupPath: '/sys/fs/cgroup/memory/kiln-x' });
  });

  it('runs end to end on loopback: exit 1 with a verdict and report files (this machine is no kiln box)', async () => {
    const r = await verifyCommand({
      host: { ...sshd.host, target: 'local', imageRef: 'local-test' }, tier: nano, lineage: null, bundle: null, baselineRequired: false,
      httpPort: nginx.port, shape: { warmupSec: 0.5, durationSec: 1.5, timeoutMs: 2000 }, reportDir: out, capacityBudgetSec: 12,
      now: () => new Date('2026-11-22T23:00:00Z'), extras: { secretRoots: [out] },
    });
    expect(r.exitCode).toBe(1);
    expect(r.verdict.runId).toBe('verify-20261122T230000000Z');
    expect(r.verdict.reasons).toEqual(expect.arrayContaining(['image: no lineage']));
    // Without the image's recorded bundle nothing says what the box must hold: that alone fails it.
    expect(r.verdict.checks.find((c) => c.id === 'image:bundle')).toMatchObject({ status: 'fail' });
    // nginx here has no /db or /cache: those requests are 404s, counted as errors of the mix.
    expect(r.verdict.load.target?.measure.errors.status4xx).toBeGreaterThan(0);
    expect(r.verdict.load.capacity?.steps.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(r.files!.html) && existsSync(r.files!.junit) && existsSync(r.files!.verdict)).toBe(true);
  }, 120_000);
});
