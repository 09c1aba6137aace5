import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../images/errors.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { verifyCommand } from './command.ts';
import { startNginx } from './load/testing/servers.ts';
import { startSshd, type LocalSshd } from './testing/sshd.ts';
import { parseHost } from '../model/host.ts';
import { checkVerdict } from '../model/verdict-guard.ts';

let sshd: LocalSshd;
let verifier: LocalSshd;
let nginx: Awaited<ReturnType<typeof startNginx>>;
let out: string;
beforeAll(async () => {
  sshd = await startSshd();
  verifier = await startSshd();
  nginx = await startNginx();
  out = mkdtempSync(join(tmpdir(), 'kiln-verify-cmd-'));
});
afterAll(async () => {
  await nginx?.stop();
  await sshd?.stop();
  await verifier?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;

describe('verifyCommand', () => {
  it('refuses bad input before measuring anything', async () => {
    await expect(
      verifyCommand({ host: sshd.host, tier: nano, lineage: null, bundle: null, baselineRequired: false }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(
      verifyCommand({
        host: { ...sshd.host, target: 'local', tier: 'large' },
        tier: nano,
        lineage: null,
        bundle: null,
        baselineRequired: false,
      }),
    ).rejects.toThrow(/--tier/);
    expect(() => parseHost('{"address":"127.0.0.1","port":22,"user":"root","keyPath":"/nonexistent","hostKey":"SHA256:x"}')).toThrow(
      InputError,
    );
    expect(() => parseHost('not json and not a file')).toThrow(InputError);
  });

  it('parses kiln launch JSON including the cgroup path', () => {
    const h = parseHost(
      JSON.stringify({
        ...sshd.host,
        target: 'local',
        imageRef: 'local-0123456789abcdef0123',
        tier: 'nano',
        cgroup: { memory: '/sys/fs/cgroup/memory/kiln-x' },
        extra: 1,
      }),
    );
    expect(h).toMatchObject({
      target: 'local',
      imageRef: 'local-0123456789abcdef0123',
      tier: 'nano',
      memoryCgroupPath: '/sys/fs/cgroup/memory/kiln-x',
    });
  });

  it('runs end to end on loopback: exit 1 with a verdict and report files (this machine is no kiln box)', async () => {
    const r = await verifyCommand({
      host: { ...sshd.host, target: 'local', imageRef: 'local-test' },
      tier: nano,
      lineage: null,
      bundle: null,
      baselineRequired: false,
      httpPort: nginx.port,
      shape: { warmupSec: 0.5, durationSec: 1.5, timeoutMs: 2000 },
      reportDir: out,
      capacityBudgetSec: 12,
      now: () => new Date('2026-11-22T23:00:00Z'),
      extras: { secretRoots: [out] },
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

  it('with a verifier: checks go through it, the load is generated on it, and the verdict and report say so', async () => {
    const genDir = join(verifier.dir, 'gen');
    const r = await verifyCommand({
      host: {
        ...sshd.host,
        target: 'aws',
        imageRef: 'us-east-1:ami-0123456789abcdef0',
        verifier: { ...verifier.host, instanceType: 't3.micro', subnetId: 'subnet-0abc' },
      },
      tier: nano,
      lineage: null,
      bundle: null,
      baselineRequired: false,
      verifierDir: genDir,
      httpPort: nginx.port,
      shape: { warmupSec: 0.5, durationSec: 1.5, timeoutMs: 2000 },
      reportDir: join(out, 'via-verifier'),
      extras: { secretRoots: [out] },
    });
    const v = r.verdict;
    expect(v.loadOrigin).toEqual({ kind: 'verifier', address: '127.0.0.1', instanceType: 't3.micro', subnetId: 'subnet-0abc' });
    expect(readdirSync(genDir)).toHaveLength(1);
    expect(v.load.target?.measure.scheduled).toBeGreaterThan(0);
    expect(v.checks.find((c) => c.id === 'ssh:connect')).toBeUndefined();
    expect(checkVerdict(JSON.parse(JSON.stringify(v))).ok).toBe(true);
    expect(readFileSync(r.files!.html, 'utf8')).toContain('verifier 127.0.0.1 (t3.micro in subnet-0abc), beside the box');
    // A generator injected here is not used for a host with a verifier (its group admits the verifier only);
    // the caller's rules still wrap the verifier's runs.
    const seen: string[] = [];
    const there = await verifyCommand({
      host: { ...sshd.host, target: 'aws', imageRef: 'us-east-1:ami-0123456789abcdef0', verifier: verifier.host },
      tier: nano,
      lineage: null,
      bundle: null,
      baselineRequired: false,
      verifierDir: genDir,
      httpPort: nginx.port,
      shape: { warmupSec: 0, durationSec: 1, timeoutMs: 2000 },
      extras: { secretRoots: [out] },
      runLoad: async () => {
        throw new Error('a generator on this machine cannot reach a box behind a verifier');
      },
      decorateLoad: (run) => async (spec) => {
        seen.push(spec.host);
        return run(spec);
      },
    });
    expect(there.verdict.loadOrigin).toMatchObject({ kind: 'verifier' });
    expect(there.verdict.load.target?.measure.scheduled).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(0);
    // Without a verifier the load is this machine's and the verdict says that.
    const here = await verifyCommand({
      host: { ...sshd.host, target: 'local', imageRef: 'local-test' },
      tier: nano,
      lineage: null,
      bundle: null,
      baselineRequired: false,
      httpPort: nginx.port,
      shape: { warmupSec: 0, durationSec: 1, timeoutMs: 2000 },
      extras: { secretRoots: [out] },
    });
    expect(here.verdict.loadOrigin).toEqual({ kind: 'local' });
  }, 120_000);

  it("judges a recipe's traffic at its own rate: the judged run, the thresholds, the capacity start and the verdict's tierSpec", async () => {
    const r = await verifyCommand({
      host: { ...sshd.host, target: 'local', imageRef: 'local-test' },
      tier: nano,
      lineage: null,
      bundle: null,
      baselineRequired: false,
      httpPort: nginx.port,
      shape: { warmupSec: 0.5, durationSec: 1.5, timeoutMs: 2000 },
      capacityBudgetSec: 6,
      traffic: {
        targetRps: 40,
        endpoints: [
          { name: 'health', method: 'GET', path: '/health', weight: 3, status: 200, p99Ms: 1000 },
          { name: 'style', method: 'GET', path: '/static/canary.css', weight: 1, status: 200 },
        ],
      },
      extras: { secretRoots: [out] },
    });
    const v = r.verdict;
    expect(v.tierSpec.slo).toEqual({ ...nano.slo, targetRps: 40 });
    expect(v.load.target?.measure.targetRps).toBe(40);
    expect(v.load.target?.spec.endpoints.map((e) => [e.name, e.status])).toEqual([
      ['health', 200],
      ['style', 200],
    ]);
    expect(v.load.target?.measure.byEndpoint.map((e) => [e.name, e.errors, e.statuses])).toEqual([
      ['health', 0, { 200: 45 }],
      ['style', 0, { 200: 15 }],
    ]);
    expect(v.thresholds.find((t) => t.id === 'load:target-rps')).toMatchObject({ status: 'pass', limit: 40 });
    expect(v.thresholds.filter((t) => /^(errors|slo:p99):/.test(t.id)).map((t) => t.id)).toEqual([
      'errors:health',
      'slo:p99:health',
      'errors:style',
    ]);
    expect(v.thresholds.find((t) => t.id === 'errors:health')?.status).toBe('pass');
    expect(v.load.capacity?.steps[0].rps).toBe(40);
    await expect(
      verifyCommand({
        host: { ...sshd.host, target: 'local' },
        tier: nano,
        lineage: null,
        bundle: null,
        baselineRequired: false,
        traffic: { endpoints: [] },
      }),
    ).rejects.toThrow(/traffic\.endpoints/);
  }, 120_000);
});
