/** The account-specific side of a fleet (network, capacity, alarms, state), kept apart from the image. */
import type { BackendData, FleetLoadBalancerData, FleetStackData } from '../../cdktf/data.ts';
import type { Tier } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { readInputText } from '../../images/input-file.ts';
import { cpuCreditsOf } from './credits.ts';
import { parseFleetLoadBalancer } from './fleet-lb-env.ts';
import { TAG } from './tags.ts';

export interface FleetEnv {
  region: string;
  accountId: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  capacity: { min: number; max: number; desired: number };
  alarmNames: string[];
  /** What sends the fleet its traffic: an ALB kiln makes, or the team's own target group. */
  loadBalancer: FleetLoadBalancerData;
  backend: BackendData;
  refresh?: Partial<FleetStackData['refresh']>;
  healthCheckGracePeriodSec?: number;
}

export const DEFAULT_REFRESH: FleetStackData['refresh'] = {
  minHealthyPercentage: 90,
  maxHealthyPercentage: 200,
  instanceWarmupSec: 120,
  checkpointPercentages: [50, 100],
  checkpointDelaySec: 300,
};

/** Reads the fleet environment JSON; names the first missing field. */
export function loadFleetEnv(path: string): FleetEnv {
  const text = readInputText('--fleet-env', path, 'JSON file (docs/aws.md shows one)', 'check the path');
  let env: any;
  try {
    env = JSON.parse(text);
  } catch (e) {
    throw new InputError('--fleet-env', path, 'a readable JSON file (docs/aws.md shows one)', (e as Error).message);
  }
  const need: Array<[string, (v: any) => boolean]> = [
    ['region', (v) => typeof v === 'string'],
    ['accountId', (v) => /^\d{12}$/.test(v)],
    ['vpcId', (v) => typeof v === 'string'],
    ['subnetIds', (v) => Array.isArray(v) && v.length > 0],
    ['securityGroupIds', Array.isArray],
    ['alarmNames', (v) => Array.isArray(v) && v.length > 0],
    ['capacity', (v) => v && [v.min, v.max, v.desired].every(Number.isInteger)],
    ['backend', (v) => v?.kind === 'local' || v?.kind === 's3'],
  ];
  for (const [field, ok] of need)
    if (!ok(env[field]))
      throw new InputError(`fleet env ${field}`, env[field], 'see the example in docs/aws.md', `set ${field} in ${path}`);
  // The fleet's user data is kiln's (boot.json with migrate: false, targets/aws/fleet-user-data.ts): one of the env's would replace it.
  if ('userData' in env)
    throw new InputError(
      'fleet env userData',
      '…',
      "not set: kiln writes the fleet's user data from the recipe (boot.json, no migrations at boot)",
      `remove userData from ${path}; put app settings in the recipe's app.env or app.secrets`,
    );
  return { ...env, loadBalancer: parseFleetLoadBalancer(env.loadBalancer, path) } as FleetEnv;
}

/** Stack data for one tier's fleet with the literal AMI id; arch picks the tier's instance type. */
export function fleetData(
  tier: Tier,
  env: FleetEnv,
  image: { amiId: string; rootDeviceName: string; architecture: 'x86_64' | 'arm64' },
  /** From the recipe deployed: the user data, its app's readiness path, its app's name (null: the canary, a base image). */
  boot: { userData: string; healthPath: string; app: string | null },
): FleetStackData {
  const instanceType = tier.instanceTypes[image.architecture][0];
  if (!instanceType)
    throw new InputError(
      `tier ${tier.name}.instanceTypes.${image.architecture}`,
      [],
      'at least one instance type',
      'add one to the tier or bake for the other architecture',
    );
  return {
    region: env.region,
    backend: env.backend,
    name: `kiln-fleet-${tier.name}`,
    amiId: image.amiId,
    instanceType,
    ...cpuCreditsOf(tier),
    rootVolumeGiB: tier.rootVolumeGiB,
    rootDeviceName: image.rootDeviceName,
    vpcId: env.vpcId,
    subnetIds: env.subnetIds,
    securityGroupIds: env.securityGroupIds,
    minSize: env.capacity.min,
    maxSize: env.capacity.max,
    desiredCapacity: env.capacity.desired,
    healthCheckGracePeriodSec: env.healthCheckGracePeriodSec ?? 120,
    refresh: { ...DEFAULT_REFRESH, ...env.refresh },
    alarms: { names: env.alarmNames },
    loadBalancer: env.loadBalancer,
    healthCheckPath: boot.healthPath,
    secretsPath: `/kiln/${tier.name}/app`,
    accountId: env.accountId,
    // No expiry tag: the janitor must never see fleet instances as leftovers.
    tags: { [TAG.tier]: tier.name, [TAG.role]: 'fleet', ...(boot.app ? { [TAG.app]: boot.app } : {}) },
    userData: boot.userData,
  };
}
