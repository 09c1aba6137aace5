/** Example stack data for tests and docs: documentation-range addresses, no real account. */
import type { CandidateStackData, FleetStackData } from './data.ts';

export const exampleTags = { 'kiln:run-id': 'run-20260101-abc', 'kiln:tier': 'nano', 'kiln:expires-at': '2026-01-01T06:00:00.000Z' };

export const exampleCandidate: CandidateStackData = {
  region: 'us-east-1',
  backend: { kind: 'local', path: 'terraform.candidate.tfstate' },
  name: 'kiln-nano-run-20260101-abc',
  amiId: 'ami-0123456789abcdef0',
  instanceType: 't3.nano',
  cpuCredits: 'standard',
  rootVolumeGiB: 10,
  vpcId: 'vpc-0abc',
  subnetId: 'subnet-0abc',
  verifierCidr: '203.0.113.7/32',
  verifier: { amiId: 'ami-0aaaabbbbccccdddd', instanceType: 't3.micro', cpuCredits: 'unlimited', rootVolumeGiB: 8 },
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKiln kiln-run',
  tags: exampleTags,
};

export const exampleFleet: FleetStackData = {
  region: 'us-east-1',
  backend: { kind: 'local', path: 'terraform.fleet-nano.tfstate' },
  name: 'kiln-fleet-nano',
  amiId: 'ami-0fedcba9876543210',
  instanceType: 't3.nano',
  cpuCredits: 'standard',
  rootVolumeGiB: 10,
  rootDeviceName: '/dev/sda1',
  vpcId: 'vpc-0abc',
  subnetIds: ['subnet-0abc', 'subnet-0def'],
  securityGroupIds: ['sg-0abc'],
  minSize: 2,
  maxSize: 4,
  desiredCapacity: 2,
  healthCheckGracePeriodSec: 120,
  refresh: {
    minHealthyPercentage: 90,
    maxHealthyPercentage: 200,
    instanceWarmupSec: 120,
    checkpointPercentages: [50, 100],
    checkpointDelaySec: 300,
  },
  alarms: { names: ['kiln-fleet-nano-5xx', 'kiln-fleet-nano-p95'] },
  loadBalancer: { kind: 'alb', subnetIds: ['subnet-0a1', 'subnet-0b2'], ingressCidrs: ['0.0.0.0/0'], internal: false },
  healthCheckPath: '/health',
  secretsPath: '/kiln/nano/app',
  accountId: '123456789012',
  tags: { 'kiln:tier': 'nano', 'kiln:role': 'fleet' },
};
