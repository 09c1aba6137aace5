import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeregisterImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, GetParameterHistoryCommand, LabelParameterVersionCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { awaitImageVersion } from './image-parameter.ts';
import { makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { promote } from './promote.ts';
import { promoted } from './promoted.ts';
import { revoke } from './revoke.ts';
import { PromotionRefusedError } from './verdict.ts';
import { InputError } from '../../images/errors.ts';
import { writeVerdict } from './verdict.testkit.ts';

let moto: Moto;
let c: ReturnType<Moto['clients']>;
const dir = mkdtempSync(join(tmpdir(), 'kiln-promote-'));
const pass = (amiId: string, runId?: string) => writeVerdict(dir, amiId, { runId });
const imageTags = async (amiId: string) =>
  Object.fromEntries(
    ((await c.ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }))).Images![0].Tags ?? []).map((t) => [t.Key, t.Value]),
  );
const versions = async () =>
  (await c.ssm.send(new GetParameterHistoryCommand({ Name: '/kiln/nano/ami' })).catch(() => ({ Parameters: [] }))).Parameters ?? [];

beforeAll(async () => {
  moto = await startMoto();
  c = moto.clients();
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await moto.reset();
});

describe('promote against the emulator', () => {
  it('writes a new labelled version per promotion and tags the AMI', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a', { 'kiln:tier': 'nano' });
    const b = await makeAmi(c.ec2, 'kiln-nano-b', { 'kiln:tier': 'nano' });
    const va = pass(a.amiId, 'run-a');
    const vb = pass(b.amiId);
    const r1 = await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: va.path });
    const r2 = await promote(c, { tier: 'nano', amiId: b.amiId, verdictPath: vb.path });
    expect([r1.version, r2.version]).toEqual([1, 2]);
    expect(r2.expectedVersion).toBe(1);
    expect(r2.concurrentVersions).toEqual([]);
    const h = await versions();
    expect(h.map((p) => [p.Version, p.Value, p.DataType, p.Labels])).toEqual([
      [1, a.amiId, 'aws:ec2:image', [`verdict-${va.digest}`]],
      [2, b.amiId, 'aws:ec2:image', [`verdict-${vb.digest}`]],
    ]);
    expect(await imageTags(a.amiId)).toMatchObject({
      'kiln:promoted': 'true',
      'kiln:run-id': 'run-a',
      'kiln:verdict-digest': va.digest,
      [`kiln:verdict:${va.digest}`]: 'pass',
    });
    const now = await promoted(c, 'nano');
    expect(now).toMatchObject({ amiId: b.amiId, version: 2, verdictDigest: vb.digest, verified: true, revoked: false, problems: [] });
  });

  it("refuses a failing verdict, a verdict with no decision, an unearned pass and another target's verdict, writing nothing", async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const failed = writeVerdict(dir, a.amiId, { fail: true });
    const missing = writeVerdict(dir, a.amiId, {
      mutate: (d) => {
        delete d.decision;
      },
    });
    const forged = writeVerdict(dir, a.amiId, {
      fail: true,
      mutate: (d) => {
        d.decision = 'pass';
        d.reasons = [];
      },
    });
    const local = writeVerdict(dir, a.amiId, {
      mutate: (d) => {
        d.target = 'local';
      },
    });
    await expect(promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: failed.path })).rejects.toBeInstanceOf(PromotionRefusedError);
    await expect(promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: missing.path })).rejects.toThrow(/missing counts as fail/);
    await expect(promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: forged.path })).rejects.toThrow(
      /not a well-formed, earned pass: .*check service:nginx.service is fail/,
    );
    await expect(promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: local.path })).rejects.toThrow(/verdict.target/);
    expect(await versions()).toEqual([]);
    expect(await imageTags(a.amiId)).not.toHaveProperty('kiln:promoted');
    expect(await promoted(c, 'nano')).toBeNull();
  });

  it('refuses a verdict for another tier or another image, and an image that does not exist', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const v = pass(a.amiId);
    await expect(promote(c, { tier: 'micro', amiId: a.amiId, verdictPath: v.path })).rejects.toBeInstanceOf(InputError);
    await expect(promote(c, { tier: 'nano', amiId: 'ami-0123456789abcdef0', verdictPath: v.path })).rejects.toBeInstanceOf(InputError);
    const ghost = pass('ami-0123456789abcdef0');
    await expect(promote(c, { tier: 'nano', amiId: 'ami-0123456789abcdef0', verdictPath: ghost.path })).rejects.toThrow();
    expect(await versions()).toEqual([]);
  });

  it('concurrent promoters each get their own version, all labelled, and the pointer ends verified', async () => {
    const amis = await Promise.all([0, 1, 2, 3].map((i) => makeAmi(c.ec2, `kiln-nano-${i}`)));
    const failing = writeVerdict(dir, amis[0].amiId, { fail: true });
    const runs = await Promise.allSettled([
      ...amis.map((a) => promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: pass(a.amiId).path })),
      promote(c, { tier: 'nano', amiId: amis[0].amiId, verdictPath: failing.path }),
    ]);
    const ok = runs
      .filter((r) => r.status === 'fulfilled')
      .map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof promote>>>).value);
    expect(runs.at(-1)!.status).toBe('rejected');
    expect(ok.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
    // The last writer knows it is the newest; an earlier one may have checked before the others wrote.
    const last = ok.find((r) => r.version === 4)!;
    expect(last.isLatest).toBe(true);
    expect(last.concurrentVersions.every((v) => v < 4)).toBe(true);
    const h = await versions();
    for (const p of h) expect(p.Labels).toEqual([ok.find((r) => r.version === p.Version)!.label]);
    const now = await promoted(c, 'nano');
    expect(now).toMatchObject({ version: 4, verified: true, problems: [] });
    expect(now!.amiId).toBe(last.amiId);
    expect(now!.verdictDigest).toBe(last.verdictDigest);
  });

  it('does not trust a newest version written without a verdict (a bypassing writer or a promoter that died before labelling)', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const rogue = await makeAmi(c.ec2, 'unverified');
    await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: pass(a.amiId).path });
    const put = await c.ssm.send(
      new PutParameterCommand({ Name: '/kiln/nano/ami', Value: rogue.amiId, Type: 'String', DataType: 'aws:ec2:image', Overwrite: true }),
    );
    await awaitImageVersion(c.ssm, '/kiln/nano/ami', put.Version!, rogue.amiId, { sleep: async () => {} });
    const now = await promoted(c, 'nano');
    expect(now).toMatchObject({ amiId: rogue.amiId, version: 2, verified: false });
    expect(now!.problems.join('\n')).toMatch(/no verdict label/);
  });

  it('revoke marks the version and the image; deploy-facing state and a new promotion refuse it', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const b = await makeAmi(c.ec2, 'kiln-nano-b');
    await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: pass(a.amiId).path });
    await promote(c, { tier: 'nano', amiId: b.amiId, verdictPath: pass(b.amiId).path });
    const r = await revoke(c, { tier: 'nano', version: 2, reason: 'p99 regression in prod' });
    expect(r).toMatchObject({ version: 2, amiId: b.amiId, label: 'revoked-v2' });
    const now = await promoted(c, 'nano');
    expect(now).toMatchObject({ version: 2, revoked: true });
    expect(now!.labels).toContain('revoked-v2');
    expect(now!.problems.join('\n')).toMatch(/revoked/);
    expect((await imageTags(b.amiId))['kiln:revoked']).toMatch(/p99 regression/);
    await expect(promote(c, { tier: 'nano', amiId: b.amiId, verdictPath: pass(b.amiId).path })).rejects.toThrow(/revoked/);
    await expect(revoke(c, { tier: 'nano', version: 9 })).rejects.toBeInstanceOf(InputError);
    // Promoting the older good image again makes a fresh, trusted version.
    const again = await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: pass(a.amiId, 'again').path });
    expect(again.version).toBe(3);
    expect(await promoted(c, 'nano')).toMatchObject({ amiId: a.amiId, version: 3, verified: true, revoked: false });
  });

  it('two verdicts for the same image promoted at once both bind: tags per digest never overwrite each other', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const v1 = pass(a.amiId, 'attempt-1');
    const v2 = pass(a.amiId, 'attempt-2');
    const [r1, r2] = await Promise.all([
      promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: v1.path }),
      promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: v2.path }),
    ]);
    expect([r1.version, r2.version].sort()).toEqual([1, 2]);
    const tags = await imageTags(a.amiId);
    expect(tags[`kiln:verdict:${v1.digest}`]).toBe('pass');
    expect(tags[`kiln:verdict:${v2.digest}`]).toBe('pass');
    const now = await promoted(c, 'nano');
    expect(now).toMatchObject({ version: 2, verified: true, problems: [] });
    expect(now!.verdictDigest).toBe(r1.version === 2 ? v1.digest : v2.digest);
  });
});

describe('SSM validates aws:ec2:image values asynchronously (PutParameter returns before the version exists)', () => {
  const put = (Value: string) =>
    c.ssm.send(new PutParameterCommand({ Name: '/kiln/nano/ami', Value, Type: 'String', DataType: 'aws:ec2:image', Overwrite: true }));
  const read = (version: number) =>
    c.ssm.send(new GetParameterCommand({ Name: `/kiln/nano/ami:${version}` })).then(
      (r) => r.Parameter!.Value,
      (e) => e.name as string,
    );
  /** A clock that only sleep() moves, so a bounded wait is bounded in polls, not in test time. */
  const fakeClock = (onSleep: (n: number) => Promise<void> | void = () => {}) => {
    let t = 0;
    let n = 0;
    return {
      nowMs: () => t,
      sleep: async (ms: number) => {
        t += ms;
        await onSleep(++n);
      },
      sleeps: () => n,
    };
  };

  it('the emulator: a version is invisible and cannot be labelled until validated; a value that is no AMI never becomes a version', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a');
    const v1 = (await put(a.amiId)).Version!;
    expect(v1).toBe(1);
    const label = () =>
      c.ssm.send(new LabelParameterVersionCommand({ Name: '/kiln/nano/ami', ParameterVersion: 1, Labels: ['bound'] })).then(
        () => 'labelled',
        (e) => e.name as string,
      );
    // The first call after the put comes before validation ends (the emulator ends it on the second).
    expect(await label()).toMatch(/NotFound/);
    expect(await read(1)).toBe(a.amiId);
    expect(await label()).toBe('labelled');
    const v2 = (await put('ami-0123456789abcdef0')).Version!;
    expect(v2).toBe(2);
    for (let i = 0; i < 5; i++) expect(await read(2)).toBe('ParameterVersionNotFound');
    expect((await versions()).map((p) => [p.Version, p.Value])).toEqual([[1, a.amiId]]);
  });

  it('promote waits for its version before labelling it (labelling at once fails: the version does not exist yet)', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a', { 'kiln:tier': 'nano' });
    const v = pass(a.amiId);
    const clock = fakeClock();
    const r = await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: v.path, validation: clock });
    expect(clock.sleeps()).toBeGreaterThan(0);
    expect((await versions()).map((p) => [p.Version, p.Value, p.Labels])).toEqual([[1, a.amiId, [r.label]]]);
    expect(await promoted(c, 'nano')).toMatchObject({ amiId: a.amiId, version: 1, verified: true, problems: [] });
  });

  it('an AMI gone before SSM validated it: promote fails (exit 1) after its bounded wait, the pointer keeps its previous version', async () => {
    const a = await makeAmi(c.ec2, 'kiln-nano-a', { 'kiln:tier': 'nano' });
    const b = await makeAmi(c.ec2, 'kiln-nano-b', { 'kiln:tier': 'nano' });
    const first = await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: pass(a.amiId).path, validation: fakeClock() });
    // Deregistered while SSM validates: what SSM then looks up is not an existing, available AMI.
    const clock = fakeClock(async (n) => {
      if (n === 1) await c.ec2.send(new DeregisterImageCommand({ ImageId: b.amiId }));
    });
    const err = await promote(c, {
      tier: 'nano',
      amiId: b.amiId,
      verdictPath: pass(b.amiId).path,
      validation: { ...clock, timeoutSec: 30 },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(PromotionRefusedError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(
      new RegExp(`${b.amiId} failed SSM's aws:ec2:image validation: /kiln/nano/ami version 2 did not appear within 30s`),
    );
    expect(clock.nowMs()).toBeGreaterThanOrEqual(30_000);
    expect((await versions()).map((p) => [p.Version, p.Value, p.Labels])).toEqual([[1, a.amiId, [first.label]]]);
    expect(await promoted(c, 'nano')).toMatchObject({ amiId: a.amiId, version: 1, verified: true, problems: [] });
  });
});

describe("release channels: a team's app on its tier, beside the tier's base image", () => {
  const shopLayers = (amiId: string) => [
    { kind: 'base', ref: 'us-east-1:ami-0aaaaaaaaaaaaaaaa' },
    { kind: 'app', ref: `us-east-1:${amiId}`, app: { name: 'shop', sha256: 'c'.repeat(64) } },
  ];
  const release = (amiId: string, runId?: string) =>
    writeVerdict(dir, amiId, {
      runId,
      mutate: (d) => {
        d.image.lineage.layers = shopLayers(amiId);
      },
    });
  const shopAmi = (name: string) => makeAmi(c.ec2, name, { 'kiln:tier': 'nano', 'kiln:app': 'shop', 'kiln:app-sha256': 'c'.repeat(64) });
  const history = async (name: string) =>
    ((await c.ssm.send(new GetParameterHistoryCommand({ Name: name })).catch(() => ({ Parameters: [] }))).Parameters ?? []).map(
      (p) => p.Value,
    );

  it('a release is promoted on /kiln/<tier>.<app>/ami, read back by promoted(), and leaves the base pointer alone', async () => {
    const base = await makeAmi(c.ec2, 'kiln-nano-base', { 'kiln:tier': 'nano' });
    await promote(c, { tier: 'nano', amiId: base.amiId, verdictPath: pass(base.amiId).path });
    const a = await shopAmi('kiln-nano-shop-a');
    const b = await shopAmi('kiln-nano-shop-b');
    const r1 = await promote(c, { tier: 'nano', amiId: a.amiId, verdictPath: release(a.amiId).path });
    expect(r1).toMatchObject({ tier: 'nano', channel: 'nano.shop', parameter: '/kiln/nano.shop/ami', version: 1 });
    expect(r1).not.toHaveProperty('previousAmiId');
    const r2 = await promote(c, { tier: 'nano', amiId: b.amiId, verdictPath: release(b.amiId).path });
    expect(r2).toMatchObject({ channel: 'nano.shop', version: 2, previousAmiId: a.amiId });
    expect(await history('/kiln/nano.shop/ami')).toEqual([a.amiId, b.amiId]);
    expect(await history('/kiln/nano/ami')).toEqual([base.amiId]);
    expect(await promoted(c, 'nano.shop')).toMatchObject({ tier: 'nano.shop', amiId: b.amiId, version: 2, verified: true, problems: [] });
    expect(await promoted(c, 'nano')).toMatchObject({ amiId: base.amiId, verified: true });
    expect(await promoted(c, 'micro.shop')).toBeNull();
    const rv = await revoke(c, { tier: 'nano.shop', version: 2, reason: 'bad release' });
    expect(rv.parameter).toBe('/kiln/nano.shop/ami');
    expect((await promoted(c, 'nano.shop'))!.problems.join('\n')).toMatch(/revoked/);
    expect((await promoted(c, 'nano'))!.problems).toEqual([]);
  });

  it("refuses a verdict whose app does not match the image's kiln:app tag, either way, and a malformed channel", async () => {
    const app = await shopAmi('kiln-nano-shop');
    const plain = await makeAmi(c.ec2, 'kiln-nano-plain', { 'kiln:tier': 'nano' });
    await expect(promote(c, { tier: 'nano', amiId: app.amiId, verdictPath: pass(app.amiId).path })).rejects.toThrow(
      /carries app "shop", the verdict's lineage null/,
    );
    await expect(promote(c, { tier: 'nano', amiId: plain.amiId, verdictPath: release(plain.amiId).path })).rejects.toThrow(
      /carries app null, the verdict's lineage "shop"/,
    );
    expect(await history('/kiln/nano/ami')).toEqual([]);
    expect(await history('/kiln/nano.shop/ami')).toEqual([]);
    for (const bad of ['nano/shop', 'nano.Shop', 'nano.shop.x', '../nano', 'nano.'])
      await expect(promoted(c, bad)).rejects.toBeInstanceOf(InputError);
  });
});
