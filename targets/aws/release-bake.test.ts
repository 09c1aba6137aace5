/**
 * A release on AWS: the bake's var file against the real release template (Debian's packer 1.6.6), the base image
 * checked against moto's server with the real SDK before anything is created, and the layers an AMI reports.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import { templatePath, COMPAT166 } from '../../images/packer/targets.ts';
import { render } from '../../images/render.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { WEB, type Recipe } from '../../images/web.ts';
import { appPayload } from '../../pipeline/app-payload.ts';
import { runPacker } from '../../pipeline/validate/packer-env.ts';
import { writeBundle } from '../../pipeline/bundle/write-bundle.ts';
import { bakeVars } from './bake.ts';
import { bakeTimeVars } from './bake-vars.ts';
import { bundleApp, layersOf } from './layers.ts';
import { makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { MissingPrerequisiteError } from './prereq.ts';
import { awsTarget } from './target.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-release-bake-'));
const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const project = join(dir, 'shop');
mkdirSync(join(project, 'shop'), { recursive: true });
writeFileSync(join(project, 'manage.py'), '#!/usr/bin/env python3\n');
writeFileSync(join(project, 'shop', '__init__.py'), '');
const shop: Recipe = { ...WEB, app: { ...WEB.app, name: 'shop', source: { kind: 'dir', path: project } } };

let n = 0;
async function bundleOf(recipe: Recipe): Promise<string> {
  return writeBundle(join(dir, `bundle-${n++}`), render(nano, recipe, DISTROS.ubuntu2404), appPayload(recipe));
}
const bakeTime = { region: 'us-east-1', bakeId: 'rel-1', ttlHours: 6, subnetId: '', vpcId: '', tags: {}, sshSourceCidr: '203.0.113.7/32' };

// Debian's packer 1.6.6 first on PATH and no AWS settings: a bake stops at its preflight, after the input checks.
const bin = join(dir, 'bin');
mkdirSync(bin);
symlinkSync('/usr/bin/packer', join(bin, 'packer'));

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await moto.reset();
});

const target = () =>
  awsTarget({
    region: 'us-east-1',
    workDir: join(dir, 'work'),
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: join(dir, 'home'),
      KILN_AWS_ENDPOINT: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
  });

describe('the var file of a release bake', () => {
  it("validates against the bundle's release template and tags the AMI with the base, the app and its build", async () => {
    const b = await bundleOf(shop);
    const app = bundleApp(b)!;
    expect(app.name).toBe('shop');
    expect(app.sha256).toMatch(/^[0-9a-f]{64}$/);
    const vars = bakeVars({
      tier: 'nano',
      bundleDir: b,
      bakeId: 'rel-1',
      region: 'us-east-1',
      ttlHours: 6,
      layer: 'app',
      vars: bakeTimeVars(nano, b, 'app', { ...bakeTime, appSha256: app.sha256, sourceAmi: 'ami-0123456789abcdef0' }),
    });
    writeFileSync(join(dir, 'release.pkrvars.json'), JSON.stringify(vars));
    const cwd = join(b, 'packer');
    const release = templatePath(COMPAT166, 'app').replace(/^packer\//, '');
    const v = await runPacker(['validate', `-var-file=${join(dir, 'release.pkrvars.json')}`, release], cwd, join(dir, 'scratch'));
    expect(v.exitCode, v.output).toBe(0);
    const out = await runPacker(
      ['console', `-var-file=${join(dir, 'release.pkrvars.json')}`, release],
      cwd,
      join(dir, 'scratch'),
      60,
      'jsonencode(local.tags)\n',
    );
    expect(JSON.parse(out.output)).toMatchObject({
      'kiln:base-ami': 'ami-0123456789abcdef0',
      'kiln:app': 'shop',
      'kiln:app-sha256': app.sha256,
      'kiln:bake-id': 'rel-1',
    });
  });

  it('a release bake without the base AMI or the build hash is bad input naming the variable', async () => {
    const b = await bundleOf(shop);
    const base = { tier: 'nano', bundleDir: b, bakeId: 'rel-1', region: 'us-east-1', ttlHours: 6 };
    const ssh = { ssh_source_cidr: '203.0.113.7/32' };
    expect(() => bakeVars({ ...base, layer: 'app', vars: { ...ssh, app_sha256: 'a'.repeat(64) } })).toThrow(
      /vars\.source_ami = null: is required by the release template/,
    );
    expect(() => bakeVars({ ...base, layer: 'full', vars: ssh })).toThrow(/vars\.app_sha256 = null/);
    expect(() => bakeVars({ ...base, layer: 'full', vars: { ...ssh, app_sha256: 'a'.repeat(64) } })).not.toThrow();
    expect(() => bakeVars({ ...base, layer: 'app', vars: { ...ssh, app_sha256: 'a'.repeat(64), source_ami: 'ami-1"' } })).toThrow(
      /vars\.source_ami/,
    );
  });
});

describe('awsTarget.bake({ base }) checks the base against the emulator before anything is created', () => {
  const err = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e,
    );

  it("refuses another tier's image, a release, an unknown AMI, another region and a bundle without an app (exit 2)", async () => {
    const { ec2 } = moto.clients();
    const micro = await makeAmi(ec2, 'kiln-micro', { 'kiln:tier': 'micro' });
    const release = await makeAmi(ec2, 'kiln-nano-rel', { 'kiln:tier': 'nano', 'kiln:app': 'other', 'kiln:app-sha256': 'e'.repeat(64) });
    const base = await makeAmi(ec2, 'kiln-nano', { 'kiln:tier': 'nano' });
    const b = await bundleOf(shop);
    const cases: [string, RegExp][] = [
      [micro.amiId, /an image of tier nano \(its kiln:tier tag is "micro"\)/],
      [`us-east-1:${release.amiId}`, /a base image \(stack \+ canary\); it is a release of other/],
      ['ami-0123456789abcdef0', /an AMI visible in us-east-1/],
      [`eu-west-1:${base.amiId}`, /an image in us-east-1/],
      ['local-abc', /an AWS image ref/],
    ];
    for (const [ref, why] of cases) {
      const e = await err(target().bake({ tier: nano, bundleDir: b, base: ref }));
      expect(e, ref).toBeInstanceOf(InputError);
      expect((e as InputError).field).toBe('--base');
      expect((e as Error).message).toMatch(why);
    }
    const canary = await bundleOf(WEB);
    expect(((await err(target().bake({ tier: nano, bundleDir: canary, base: base.amiId }))) as Error).message).toMatch(
      /only for a bundle with a team's app/,
    );
  });

  it('a good base passes the checks: the bake goes on to Packer (too old here, exit 2) with nothing written', async () => {
    const { ec2 } = moto.clients();
    const base = await makeAmi(ec2, 'kiln-nano', { 'kiln:tier': 'nano', 'kiln:source-ami': 'ami-0aaaaaaaaaaaaaaaa' });
    const e = await err(target().bake({ tier: nano, bundleDir: await bundleOf(shop), base: `us-east-1:${base.amiId}` }));
    expect(e).toBeInstanceOf(MissingPrerequisiteError);
    expect((e as Error).message).toMatch(/Packer: .* too old for builds/);
    expect(existsSync(join(dir, 'work', 'bakes'))).toBe(false);
  });
});

describe("an AMI's layers", () => {
  it("from the template's tags: the OS image or the base, then the app (pure)", () => {
    const ref = 'us-east-1:ami-0bbbbbbbbbbbbbbbb';
    expect(layersOf({ 'kiln:source-ami': 'ami-0aaaaaaaaaaaaaaaa' }, ref)).toEqual([{ kind: 'os', ref: 'ami-0aaaaaaaaaaaaaaaa' }]);
    const app = { 'kiln:app': 'shop', 'kiln:app-sha256': 'c'.repeat(64) };
    expect(layersOf({ 'kiln:source-ami': 'ami-0aaaaaaaaaaaaaaaa', ...app }, ref)).toEqual([
      { kind: 'os', ref: 'ami-0aaaaaaaaaaaaaaaa' },
      { kind: 'app', ref, app: { name: 'shop', sha256: 'c'.repeat(64) } },
    ]);
    const release = { 'kiln:source-ami': 'ami-0dddddddddddddddd', 'kiln:base-ami': 'ami-0dddddddddddddddd', ...app };
    expect(layersOf(release, ref)).toEqual([
      { kind: 'base', ref: 'us-east-1:ami-0dddddddddddddddd' },
      { kind: 'app', ref, app: { name: 'shop', sha256: 'c'.repeat(64) } },
    ]);
    expect(layersOf(release, ref, [{ kind: 'os', ref: 'ami-0aaaaaaaaaaaaaaaa' }]).map((l) => l.kind)).toEqual(['os', 'base', 'app']);
    expect(layersOf({}, ref)).toEqual([]);
  });

  it("image(ref) of a release AMI: layers from its tags, or from the bake's record; the app profile from the kept bundle", async () => {
    const { ec2 } = moto.clients();
    const base = await makeAmi(ec2, 'kiln-nano', { 'kiln:tier': 'nano' });
    const rel = await makeAmi(ec2, 'kiln-nano-shop', {
      'kiln:tier': 'nano',
      'kiln:source-ami': base.amiId,
      'kiln:base-ami': base.amiId,
      'kiln:app': 'shop',
      'kiln:app-sha256': 'c'.repeat(64),
    });
    const t = target();
    const ref = `us-east-1:${rel.amiId}`;
    const appLayer = { kind: 'app', ref, app: { name: 'shop', sha256: 'c'.repeat(64) } };
    const bare = await t.image(ref);
    expect(bare.lineage.layers).toEqual([{ kind: 'base', ref: `us-east-1:${base.amiId}` }, appLayer]);
    expect(bare.lineage).not.toHaveProperty('appProfile');
    const images = join(dir, 'work', 'images');
    mkdirSync(images, { recursive: true });
    const layers = [{ kind: 'os', ref: 'ami-0aaaaaaaaaaaaaaaa' }, { kind: 'base', ref: `us-east-1:${base.amiId}` }, appLayer];
    writeFileSync(
      join(images, `${rel.amiId}.json`),
      JSON.stringify({ ref, tier: 'nano', renderManifestSha256: 'f'.repeat(64), manifestFiles: [], layers }),
    );
    // The copy a bake keeps of its bundle (without the payload).
    await writeBundle(join(images, `${rel.amiId}.bundle`), render(nano, shop, DISTROS.ubuntu2404));
    const rec = await t.image(ref);
    expect(rec.lineage.layers).toEqual(layers);
    expect(rec.lineage.appProfile).toMatchObject({ workerPrivateMiB: shop.app.workerPrivateMiB, source: shop.app.profileSource });
  });
});
