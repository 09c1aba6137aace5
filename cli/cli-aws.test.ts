/** `kiln promote/promoted/revoke/janitor/launch --target aws` through the binary, against moto's server mode with the real SDK. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history, parameterName } from '../targets/aws/pointer.ts';
import { awsTarget } from '../targets/aws/target.ts';
import { makeAmi, startMoto, type Moto } from '../targets/aws/moto.testkit.ts';
import { writeVerdict } from '../targets/aws/verdict.testkit.ts';

const repo = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-aws-'));
let moto: Moto;
let env: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  env = {
    PATH: process.env.PATH!,
    HOME: join(dir, 'home'),
    KILN_AWS_ENDPOINT: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    KILN_AWS_WORK_DIR: join(dir, 'work'),
  };
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kiln = (args: string[]) => execa('bin/kiln', args, { reject: false, cwd: repo, env, extendEnv: false });
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const exists = async (amiId: string) =>
  ((await moto.clients().ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [amiId] }] }))).Images ?? []).length
  > 0;

describe('kiln --target aws against moto', () => {
  it.concurrent('promote -> promoted -> janitor (dry run, then --apply) -> revoke', async () => {
    const { ec2, ssm } = moto.clients();
    const expired = { 'kiln:tier': 'nano', 'kiln:expires-at': '2020-01-01T00:00:00.000Z' };
    const a = await makeAmi(ec2, 'kiln-nano-a', { ...expired, 'kiln:run-id': 'bake-a' });
    const b = await makeAmi(ec2, 'kiln-nano-b', { ...expired, 'kiln:run-id': 'bake-b' });

    const good = writeVerdict(dir, a.amiId);
    const p = await kiln(['promote', '--target', 'aws', '--verdict', good.path, '--json']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(json(p)).toEqual({ tier: 'nano', ref: `us-east-1:${a.amiId}`, verdictDigest: `sha256:${good.digest}` });

    // A failing verdict for the other image: exit 1, the pointer keeps its one version.
    const bad = writeVerdict(dir, b.amiId, { fail: true });
    const f = await kiln(['promote', '--target', 'aws', '--verdict', bad.path]);
    expect(f.exitCode, f.stderr).toBe(1);
    expect(f.stderr).toMatch(/says fail .*nothing promoted/);
    expect((await history(ssm, parameterName('nano'))).map((h) => h.Value)).toEqual([a.amiId]);

    const q = await kiln(['promoted', '--target', 'aws', '--tier', 'nano', '--json']);
    expect(q.exitCode, q.stderr).toBe(0);
    expect(json(q)).toMatchObject({ tier: 'nano', ref: `us-east-1:${a.amiId}`, verdictDigest: `sha256:${good.digest}` });
    const none = await kiln(['promoted', '--target', 'aws', '--tier', 'micro', '--json']);
    expect([none.exitCode, json(none)]).toEqual([0, null]);

    // Dry run by default on aws: the unpromoted expired image is reported, not removed; the promoted one is kept.
    const dry = await kiln(['janitor', '--target', 'aws', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const d = json(dry);
    expect(d.dryRun).toBe(true);
    expect(d.report.found.map((l: { id: string }) => l.id)).toContain(b.amiId);
    expect(d.report.found.map((l: { id: string }) => l.id)).not.toContain(a.amiId);
    expect(d.report.kept).toContainEqual({ kind: 'image', id: a.amiId, why: 'promoted' });
    expect(await exists(b.amiId)).toBe(true);

    const wet = await kiln(['janitor', '--target', 'aws', '--apply', '--json']);
    expect(wet.exitCode, wet.stderr).toBe(0);
    expect(json(wet).report.removed.map((l: { id: string }) => l.id)).toContain(b.amiId);
    expect([await exists(a.amiId), await exists(b.amiId)]).toEqual([true, false]);

    const rv = await kiln(['revoke', '--target', 'aws', '--tier', 'nano', '--version', '1', '--reason', 'CVE in the image', '--json']);
    expect(rv.exitCode, rv.stderr).toBe(0);
    expect(json(rv)).toMatchObject({ tier: 'nano', version: 1, amiId: a.amiId, label: 'revoked-v1' });
    const after = await kiln(['promoted', '--target', 'aws', '--tier', 'nano']);
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toMatch(/cannot be used: .*revoked/);
    const again = await kiln(['revoke', '--target', 'aws', '--tier', 'nano', '--version', '7']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/--version = 7: a stored version of \/kiln\/nano\/ami \(1\)/);
  }, 180_000);

  it.concurrent("image(ref): lineage from the AMI's tags and the bake's record; unknown refs are bad input", async () => {
    const { ec2 } = moto.clients();
    const work = join(dir, 'work-image');
    const m = await makeAmi(ec2, 'kiln-micro-lineage', { 'kiln:tier': 'micro', 'kiln:source-ami': 'ami-0aaaaaaaaaaaaaaaa' });
    const target = awsTarget({ region: 'us-east-1', workDir: work, env });
    const bare = await target.image(m.amiId);
    expect(bare).toMatchObject({ ref: `us-east-1:${m.amiId}`, tier: 'micro', manifestFiles: [] });
    // No record of the bake here: no render manifest hash, so a verdict of this image fails closed.
    expect(bare.lineage).toEqual({
      baseImage: 'ami-0aaaaaaaaaaaaaaaa',
      packageVersions: {},
      renderManifestSha256: '',
      layers: [{ kind: 'os', ref: 'ami-0aaaaaaaaaaaaaaaa' }],
    });
    mkdirSync(join(work, 'images'), { recursive: true });
    const files = [{ path: '/etc/redis/redis.conf', sha256: 'b'.repeat(64) }];
    writeFileSync(
      join(work, 'images', `${m.amiId}.json`),
      JSON.stringify({ ref: `us-east-1:${m.amiId}`, tier: 'micro', renderManifestSha256: 'c'.repeat(64), manifestFiles: files }),
    );
    const rec = await target.image(`us-east-1:${m.amiId}`);
    expect([rec.lineage.renderManifestSha256, rec.manifestFiles]).toEqual(['c'.repeat(64), files]);
    await expect(target.image('ami-0123456789abcdef0')).rejects.toThrow(/--image = "ami-0123456789abcdef0": an AMI visible in us-east-1/);
    await expect(target.image('local-0123')).rejects.toThrow(/an AWS image ref/);
  }, 60_000);

  it.concurrent("a release of a recipe's app: promoted on <tier>.<app>, read and revoked with --recipe, the tier's base untouched", async () => {
    const { ec2, ssm } = moto.clients();
    const project = join(dir, 'shop');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'manage.py'), '');
    const recipe = join(project, 'kiln.yaml');
    writeFileSync(recipe, 'version: 2\napp:\n  name: shop\n  source: .\n  settings: shop.settings\n');
    const app = { 'kiln:tier': 'small', 'kiln:app': 'shop', 'kiln:app-sha256': 'c'.repeat(64), 'kiln:image-hash': 'a'.repeat(64) };
    const a = await makeAmi(ec2, 'kiln-small-shop', app);
    const verdict = writeVerdict(dir, a.amiId, {
      mutate: (d) => {
        d.tier = 'small';
        d.image.lineage.layers = [
          { kind: 'base', ref: 'us-east-1:ami-0aaaaaaaaaaaaaaaa' },
          { kind: 'app', ref: `us-east-1:${a.amiId}`, app: { name: 'shop', sha256: 'c'.repeat(64) } },
        ];
      },
    });
    const p = await kiln(['promote', '--target', 'aws', '--verdict', verdict.path, '--json']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(json(p)).toEqual({ tier: 'small.shop', ref: `us-east-1:${a.amiId}`, verdictDigest: `sha256:${verdict.digest}` });
    expect((await history(ssm, parameterName('small.shop'))).map((h) => h.Value)).toEqual([a.amiId]);
    expect(await history(ssm, parameterName('small'))).toEqual([]);
    const q = await kiln(['promoted', '--target', 'aws', '--tier', 'small', '--recipe', recipe, '--json']);
    expect(q.exitCode, q.stderr).toBe(0);
    expect(json(q)).toMatchObject({ tier: 'small.shop', ref: `us-east-1:${a.amiId}` });
    const base = await kiln(['promoted', '--target', 'aws', '--tier', 'small', '--json']);
    expect([base.exitCode, json(base)]).toEqual([0, null]);
    const b = await makeAmi(ec2, 'kiln-small-shop-b', app);
    const second = writeVerdict(dir, b.amiId, {
      mutate: (d) => {
        d.tier = 'small';
        d.image.lineage.layers = [{ kind: 'app', ref: `us-east-1:${b.amiId}`, app: { name: 'shop', sha256: 'c'.repeat(64) } }];
      },
    });
    const target = awsTarget({ region: 'us-east-1', workDir: join(dir, 'work-release'), env });
    expect(await target.promote({ verdictPath: second.path })).toMatchObject({
      tier: 'small.shop',
      ref: `us-east-1:${b.amiId}`,
      previousRef: `us-east-1:${a.amiId}`,
    });
    const fleetEnv = join(dir, 'fleet-small.json');
    const fleet = {
      region: 'us-east-1',
      accountId: '123456789012',
      vpcId: 'vpc-0abc',
      subnetIds: ['subnet-0abc'],
      securityGroupIds: [],
      capacity: { min: 1, max: 2, desired: 1 },
      alarmNames: ['a'],
      backend: { kind: 'local', path: 'terraform.fleet-small.tfstate' },
    };
    // A fleet with ELB health checks and nothing sending them is bad input, before anything is synthesized.
    writeFileSync(fleetEnv, JSON.stringify(fleet));
    const noLb = await kiln(['deploy', '--target', 'aws', '--tier', 'small', '--recipe', recipe, '--fleet-env', fleetEnv, '--plan']);
    expect([noLb.exitCode, noLb.stderr]).toEqual([
      2,
      expect.stringMatching(/fleet env loadBalancer = null: an object: .*add loadBalancer to /),
    ]);
    writeFileSync(fleetEnv, JSON.stringify({ ...fleet, loadBalancer: { kind: 'alb', subnetIds: ['subnet-0a1', 'subnet-0b2'] } }));
    const plan = await kiln([
      'deploy',
      '--target',
      'aws',
      '--tier',
      'small',
      '--recipe',
      recipe,
      '--fleet-env',
      fleetEnv,
      '--plan',
      '--json',
    ]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(json(plan)).toMatchObject({ channel: 'small.shop', amiId: b.amiId, version: 2, applied: false });
    const rv = await kiln(['revoke', '--target', 'aws', '--tier', 'small', '--recipe', recipe, '--version', '2', '--json']);
    expect(rv.exitCode, rv.stderr).toBe(0);
    expect(json(rv)).toMatchObject({ tier: 'small.shop', parameter: '/kiln/small.shop/ami', version: 2, amiId: b.amiId });
    await expect(target.promoted('small.shop')).rejects.toThrow(/cannot be used: .*revoked/);
    const refused = await kiln(['deploy', '--target', 'aws', '--tier', 'small', '--recipe', recipe, '--fleet-env', fleetEnv, '--plan']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/refusing to deploy \/kiln\/small\.shop\/ami version 2/);
  }, 120_000);

  it.concurrent('launch of an image the account does not have is bad input naming --image', async () => {
    const r = await kiln([
      'launch',
      '--target',
      'aws',
      '--image',
      'us-east-1:ami-0123456789abcdef0',
      '--tier',
      'nano',
      '--vpc',
      'vpc-0123456789abcdef0',
      '--subnet',
      'subnet-0123456789abcdef0',
      '--verifier-cidr',
      '203.0.113.7/32',
    ]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--image = "us-east-1:ami-0123456789abcdef0": an AMI visible in us-east-1/);
  }, 60_000);
});
