import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { fleetData, loadFleetEnv, type FleetEnv } from './fleet-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-fleetenv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env: FleetEnv = {
  region: 'eu-west-1',
  accountId: '123456789012',
  vpcId: 'vpc-0abc',
  subnetIds: ['subnet-0abc'],
  securityGroupIds: [],
  capacity: { min: 1, max: 3, desired: 2 },
  alarmNames: ['a'],
  loadBalancer: { kind: 'alb', subnetIds: ['subnet-0a1', 'subnet-0b2'], ingressCidrs: ['0.0.0.0/0'], internal: false },
  backend: { kind: 'local', path: 'terraform.fleet-large.tfstate' },
  refresh: { minHealthyPercentage: 100 },
};

describe('fleet environment', () => {
  it('loads a complete file and names the first bad field otherwise', () => {
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify(env));
    expect(loadFleetEnv(ok)).toEqual(env);
    for (const [field, value] of [
      ['accountId', '1234'],
      ['subnetIds', []],
      ['alarmNames', []],
      ['backend', { kind: 'ftp' }],
    ] as const) {
      const bad = join(dir, `bad-${field}.json`);
      writeFileSync(bad, JSON.stringify({ ...env, [field]: value }));
      expect(() => loadFleetEnv(bad)).toThrow(new RegExp(`fleet env ${field}`));
    }
    expect(() => loadFleetEnv(join(dir, 'missing.json'))).toThrow(InputError);
  });

  it('maps a tier and an image onto the fleet stack data without branching on the tier name', () => {
    const large = BUILTIN_TIERS.find((t) => t.name === 'large')!;
    const d = fleetData(
      large,
      env,
      { amiId: 'ami-0abc', rootDeviceName: '/dev/xvda', architecture: 'arm64' },
      { userData: '#cloud-config\n', healthPath: '/health', app: null },
    );
    expect(d).toMatchObject({
      name: 'kiln-fleet-large',
      amiId: 'ami-0abc',
      instanceType: 't4g.large',
      cpuCredits: 'standard',
      rootVolumeGiB: 30,
      rootDeviceName: '/dev/xvda',
      secretsPath: '/kiln/large/app',
      healthCheckPath: '/health',
      alarms: { names: ['a'] },
      userData: '#cloud-config\n',
      refresh: { minHealthyPercentage: 100, maxHealthyPercentage: 200, checkpointPercentages: [50, 100] },
    });
    expect(Object.keys(d.tags)).not.toContain('kiln:expires-at');
    expect(Object.keys(d.tags)).not.toContain('kiln:ttl');
    expect(Object.keys(d.tags)).not.toContain('kiln:app');
    const app = fleetData(
      large,
      env,
      { amiId: 'ami-0abc', rootDeviceName: '/dev/xvda', architecture: 'x86_64' },
      { userData: '#cloud-config\n', healthPath: '/healthz/', app: 'shop' },
    );
    expect(app).toMatchObject({ healthCheckPath: '/healthz/', tags: { 'kiln:app': 'shop', 'kiln:role': 'fleet' } });
    const xlarge = BUILTIN_TIERS.find((t) => t.name === 'xlarge')!;
    expect(
      fleetData(
        xlarge,
        env,
        { amiId: 'ami-0abc', rootDeviceName: '/dev/xvda', architecture: 'x86_64' },
        { userData: '', healthPath: '/', app: null },
      ),
    ).not.toHaveProperty('cpuCredits');
  });

  it("refuses a userData of its own: the fleet's user data is kiln's (no migrations at boot)", () => {
    const file = join(dir, 'userdata.json');
    writeFileSync(file, JSON.stringify({ ...env, userData: '#cloud-config\nruncmd: [[migrate]]\n' }));
    expect(() => loadFleetEnv(file)).toThrow(/fleet env userData = .*kiln writes the fleet's user data/);
  });
});
