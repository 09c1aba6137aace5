import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../images/distro.ts';
import { render } from '../images/render.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { WEB } from '../images/web.ts';
import { expectationsFromRender } from './expectations.ts';
import { startNginx } from './load/testing/servers.ts';
import { writeReport } from './report/write.ts';
import { verify, type LoadBase, type VerifyPlan } from './run.ts';
import { startSshd, type LocalSshd } from './testing/sshd.ts';
import { checkVerdict } from '../model/verdict-guard.ts';

let sshd: LocalSshd;
let nginx: Awaited<ReturnType<typeof startNginx>>;
let out: string;
beforeAll(async () => {
  sshd = await startSshd();
  nginx = await startNginx();
  out = mkdtempSync(join(tmpdir(), 'kiln-verify-'));
});
afterAll(async () => {
  await nginx?.stop();
  await sshd?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const plan = (over: Partial<VerifyPlan> = {}): VerifyPlan => {
  const rendered = render(nano, WEB, DISTROS.debian12);
  const load: LoadBase = {
    host: '127.0.0.1',
    port: nginx.port,
    warmupSec: 1,
    durationSec: 3,
    maxConnections: 16,
    timeoutMs: 2000,
    endpoints: [
      { name: 'health', path: '/health', weight: 3 },
      { name: 'static', path: '/static/canary.css', weight: 1 },
    ],
  };
  const expectations = expectationsFromRender(rendered, sshd.host);
  // This machine's /root holds hundreds of test certificates; a box's tree is small. Scan a dir of ours.
  expectations.secrets = { ...expectations.secrets, roots: [out] };
  return {
    runId: 'test-run',
    createdAt: '2026-11-22T22:30:00.000Z',
    kilnVersion: '0.0.0-test',
    tier: nano,
    target: 'loopback',
    image: {
      ref: 'loopback:test',
      lineage: { baseImage: 'this machine', packageVersions: { nginx: 'debian' }, renderManifestSha256: rendered.imageHash },
    },
    host: sshd.host,
    expectations,
    load,
    memoryUnits: ['nginx'],
    baselineRequired: true,
    baseline: { target: { host: '127.0.0.1', port: nginx.port }, repetitions: 5, durationSec: 1, warmupSec: 0.5 },
    ...over,
  };
};

describe('verify against a stack on loopback (this machine is not a kiln box: the gate must say fail)', () => {
  it('produces a well-formed verdict with load, memory and a baseline comparison, and a report', async () => {
    const v = await verify(plan());
    expect(checkVerdict(JSON.parse(JSON.stringify(v))).ok).toBe(true);
    expect(v.decision).toBe('fail');
    // No systemd here, and the rendered files are not installed: both must be reasons.
    expect(v.reasons.some((r) => r.startsWith('check service:nginx.service: error'))).toBe(true);
    expect(v.reasons.some((r) => r.startsWith('check files:manifest: fail'))).toBe(true);
    expect(v.load.target?.measure.responses).toBeGreaterThan(0);
    expect(v.thresholds.find((t) => t.id === 'slo:p95')?.observed).toEqual(expect.any(Number));
    expect(v.memory.summary?.remoteSamples).toBeGreaterThanOrEqual(3);
    expect(v.memory.summary?.services.nginx.pss.peak).toBeGreaterThan(0);
    const cmp = v.baseline.comparison!;
    expect(cmp.metrics.map((m) => m.metric)).toEqual(['p95Ms', 'p99Ms']);
    expect(cmp.metrics[0].baseline.length).toBe(5);
    expect(cmp.metrics[0].candidate.length).toBe(5);
    const files = await writeReport(v, out);
    expect(readFileSync(files.html, 'utf8')).toContain('id="plot-latency-spectrum"');
    expect(readFileSync(files.junit, 'utf8')).toContain('<testcase classname="kiln.checks" name="service:nginx.service"');
  }, 180_000);

  it('a box whose host key does not match is never measured', async () => {
    const v = await verify(plan({ host: { ...sshd.host, hostKey: sshd.otherHostKey }, baseline: null }));
    expect(v.decision).toBe('fail');
    expect(v.checks).toEqual([expect.objectContaining({ id: 'ssh:connect', status: 'error' })]);
    expect(v.load.target).toBeNull();
    expect(v.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/host key mismatch/), expect.stringMatching(/threshold load:ran/)]),
    );
  });
});
