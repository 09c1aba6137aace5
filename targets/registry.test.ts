import { describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { awsSettings, required } from './aws/settings.ts';
import { TARGET_NAMES, targetEntry, targetFor } from './registry.ts';

const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

describe('target registry', () => {
  it('names every target and builds each behind the common shape', () => {
    expect(TARGET_NAMES).toEqual(['local', 'aws']);
    const local = targetFor('local', { stateDir: '/nonexistent/state' });
    expect([local.name, local.distro, local.fleet]).toEqual(['local', 'debian13', undefined]);
    expect(targetFor('local', { distro: 'debian12' }).distro).toBe('debian12');
    expect([targetEntry('local').distros, targetEntry('aws').distros]).toEqual([['debian13', 'debian12'], ['ubuntu2404']]);
    const aws = targetFor('aws', { region: 'eu-west-1', env });
    expect([aws.name, aws.distro, typeof aws.fleet?.deploy]).toEqual(['aws', 'ubuntu2404', 'function']);
    expect([targetEntry('local').janitorDryRunByDefault, targetEntry('aws').janitorDryRunByDefault]).toEqual([false, true]);
  });

  it.each(['gcp', '', 'toString', undefined])('refuses target %j with an InputError naming --target', (name) => {
    expect(() => targetEntry(name)).toThrow(InputError);
    expect(() => targetEntry(name)).toThrow(/--target = .*must be one of local, aws/);
  });
});

describe('aws target refuses what it cannot honour, before any call', () => {
  const tier = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
  it('local-only launch options', async () => {
    const aws = targetFor('aws', { region: 'us-east-1', env });
    await expect(aws.launch({ ref: 'ami-0123456789abcdef0', tier, id: 'x1', cpus: '1' })).rejects.toThrow(
      /--cpus = "1": applies to --target local only/,
    );
    await expect(aws.launch({ ref: 'ami-0123456789abcdef0', tier, id: 'x1', burstBaseline: true })).rejects.toThrow(/--burst-baseline/);
    await expect(aws.launch({ ref: 'ami-0123456789abcdef0', tier, id: 'x1' })).rejects.toThrow(
      /--vpc = null: is required for kiln launch --target aws/,
    );
  });

  it('deploy under another SSM prefix than the one deploy reads', async () => {
    const aws = targetFor('aws', { region: 'us-east-1', ssmPrefix: '/team/kiln', env });
    await expect(aws.fleet!.deploy({ tier, fleetEnvPath: '/nonexistent', apply: false })).rejects.toThrow(
      /--ssm-prefix = "\/team\/kiln": deploy reads the pointer under \/kiln only/,
    );
  });
});

describe('aws settings', () => {
  it('reads flags first, then KILN_AWS_* env, then defaults', () => {
    const s = awsSettings({
      subnetId: 'subnet-0123456789abcdef0',
      env: { ...env, KILN_AWS_SUBNET_ID: 'subnet-aaaaaaaa', KILN_AWS_VPC_ID: 'vpc-bbbbbbbb', AWS_REGION: 'us-west-2' },
    });
    expect(s).toMatchObject({
      subnetId: 'subnet-0123456789abcdef0',
      vpcId: 'vpc-bbbbbbbb',
      region: 'us-west-2',
      ttlHours: 24,
      ssmPrefix: '/kiln',
    });
  });

  it.each([
    [{ subnetId: 'subnet-xyz' }, /--subnet = "subnet-xyz": must be a subnet id; pass --subnet subnet-/],
    [{ verifierCidr: '0.0.0.0/0' }, /--verifier-cidr = "0.0.0.0\/0"/],
    [{ ttlHours: '0' }, /--ttl-hours/],
    [{ ssmPrefix: '/aws/kiln' }, /--ssm-prefix/],
    [{ env: { KILN_AWS_REGION: 'mars-1' } }, /KILN_AWS_REGION = "mars-1"/],
    [{ tags: { team: '${file("/etc/passwd")}' } }, /--tag team = .*must not contain "\$\{"/],
    [{ tags: { 'x{{y': 'v' } }, /--tag x\{\{y = "x\{\{y": .*Go template/],
  ])('refuses %j naming the flag or env var', (o, msg) => {
    expect(() => awsSettings(o)).toThrow(msg);
  });

  it('says which flag and env var a launch is missing', () => {
    const s = awsSettings({ region: 'us-east-1', env: {} });
    expect(() => required(s, ['region', 'vpcId'], 'kiln launch --target aws')).toThrow(
      /--vpc = null: is required for kiln launch --target aws .*set KILN_AWS_VPC_ID/,
    );
  });
});
