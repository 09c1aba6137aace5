import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bake, bakeVars, parsePackages, preflight } from './bake.ts';
import { MissingPrerequisiteError } from './prereq.ts';
import { InputError } from '../../images/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-bake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A clean environment: Debian's packer 1.6.6 (scripts/setup.sh installs it) first on PATH, no AWS settings at all.
const debianBin = join(dir, 'debian-bin');
mkdirSync(debianBin);
symlinkSync('/usr/bin/packer', join(debianBin, 'packer'));
const bare: NodeJS.ProcessEnv = { PATH: `${debianBin}:${process.env.PATH}`, HOME: join(dir, 'home') };
const withKeys = { ...bare, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };

function bundle(tier = 'nano'): string {
  const b = join(dir, `bundle-${tier}`);
  mkdirSync(join(b, 'packer'), { recursive: true });
  writeFileSync(
    join(b, 'packer/image.pkrvars.json'),
    JSON.stringify({
      region: 'us-east-1',
      tier,
      recipe: 'web',
      image_hash: 'a'.repeat(64),
      instance_type: 't3.nano',
      bake_id: 'unbaked',
      ttl: '72h',
      deprecate_after: '8760h',
      subnet_id: '',
      vpc_id: '',
      tags: {},
    }),
  );
  return b;
}
const input = (env: NodeJS.ProcessEnv) => ({
  tier: 'nano',
  bundleDir: bundle(),
  workDir: join(dir, 'work'),
  bakeId: 'b1',
  region: 'us-east-1',
  ttlHours: 6,
  env,
  log: () => {},
});

describe('bake --target aws fails fast', () => {
  it('says the installed Packer (1.6.6 here) is too old for builds, and that credentials are missing', async () => {
    const p = await preflight(bare);
    expect(p.packer?.version).toMatch(/^1\.6\./);
    expect(p.problems).toHaveLength(2);
    expect(p.problems[0]).toMatch(/is 1\.6\.\d+, too old for builds.*Packer >= 1\.10.*amazon plugin/);
    expect(p.problems[1]).toMatch(/AWS credentials: none found; set AWS_PROFILE/);

    const err = await bake(input(bare)).catch((e) => e);
    expect(err).toBeInstanceOf(MissingPrerequisiteError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/kiln bake --target aws needs: Packer: .*1\.6\.\d+, too old/);
    expect(err.message).toMatch(/aws-actions\/configure-aws-credentials/);
    expect(existsSync(join(dir, 'work'))).toBe(false);
  });

  it('with credentials set, only Packer is reported', async () => {
    const p = await preflight(withKeys);
    expect(p.credentials).toBe('environment (AWS_ACCESS_KEY_ID)');
    expect(p.problems).toHaveLength(1);
    await expect(bake(input(withKeys))).rejects.toThrow(/Packer: .* too old for builds/);
  });

  it('says Packer is not installed when it is not on PATH', async () => {
    const empty = join(dir, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const p = await preflight({ ...withKeys, PATH: empty });
    expect(p.problems).toEqual([expect.stringMatching(/^Packer: not found on PATH; install Packer >= 1\.10/)]);
  });

  it('reads credentials from a shared credentials file or a profile, never from the network', async () => {
    const home = join(dir, 'home2');
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws/credentials'), '[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');
    expect((await preflight({ PATH: bare.PATH, HOME: home })).credentials).toMatch(/default profile in .*credentials/);
    expect((await preflight({ ...bare, AWS_PROFILE: 'ci' })).credentials).toBe('profile ci');
  });
});

describe('bake vars', () => {
  it("overrides the bundle's var file with this bake's id, region and TTL, checked by the template's patterns", () => {
    const b = bundle();
    const ssh = { ssh_source_cidr: '203.0.113.7/32' };
    expect(bakeVars({ tier: 'nano', bundleDir: b, bakeId: 'nightly-42', region: 'eu-west-1', ttlHours: 12, vars: ssh })).toMatchObject({
      bake_id: 'nightly-42',
      region: 'eu-west-1',
      ttl: '12h',
      tier: 'nano',
      image_hash: 'a'.repeat(64),
      ssh_source_cidr: '203.0.113.7/32',
    });
    // Without the bake's own address the build instance would take SSH from anywhere: bad input naming the flag.
    expect(() => bakeVars({ tier: 'nano', bundleDir: b, bakeId: 'b', region: 'us-east-1', ttlHours: 1 })).toThrow(
      /--verifier-cidr = null: is required for kiln bake --target aws .*set KILN_AWS_VERIFIER_CIDR/,
    );
    expect(() => bakeVars({ tier: 'nano', bundleDir: b, bakeId: 'x"; rm -rf /', region: 'us-east-1', ttlHours: 1 })).toThrow(InputError);
    expect(() => bakeVars({ tier: 'micro', bundleDir: b, bakeId: 'b', region: 'us-east-1', ttlHours: 1 })).toThrow(/bundle's tier/);
    expect(() =>
      bakeVars({ tier: 'nano', bundleDir: b, bakeId: 'b', region: 'us-east-1', ttlHours: 1, vars: { source_ami: 'x' } }),
    ).toThrow(/vars.source_ami/);
  });
});

describe('package list', () => {
  it('parses what dpkg-query -W prints (the list the template downloads) into the lineage map', async () => {
    const { execa } = await import('execa');
    const text = (await execa('dpkg-query', ['-W'])).stdout;
    const pkgs = parsePackages(text);
    const nginx = (await execa('dpkg-query', ['-W', '-f=${Version}', 'nginx-light'])).stdout;
    expect(pkgs['nginx-light']).toBe(nginx);
    expect(Object.keys(pkgs).length).toBe(
      text
        .trim()
        .split('\n')
        .filter((l) => l.split('\t')[1]).length,
    );
    expect(parsePackages('')).toEqual({});
  });
});
