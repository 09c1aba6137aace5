/** Typed inputs of the stacks. The stacks only map these onto resources: every decision is made by the caller. */

/** Where terraform keeps state; a relative local path keeps absolute paths out of the synthesized JSON. */
export type BackendData =
  | { kind: 'local'; path: string }
  | { kind: 's3'; bucket: string; key: string; region: string; dynamodbTable?: string };

export interface CandidateStackData {
  region: string;
  backend: BackendData;
  /** Name prefix for every resource of this run, e.g. `kiln-nano-<runId>`. */
  name: string;
  amiId: string;
  instanceType: string;
  /** `standard` for a burstable type (t3 launches "unlimited" by default, not the baseline the tier assumes); absent otherwise. */
  cpuCredits?: 'standard';
  rootVolumeGiB: number;
  vpcId: string;
  subnetId: string;
  /** The runner's address as a CIDR (`203.0.113.7/32`): the only source admitted, and only to the verifier's 22. */
  verifierCidr: string;
  /**
   * The small instance that runs the load beside the candidate (the candidate admits 22 and 80 only from it), or the
   * group of the verifier of a box launched before it in the same run: one generator then reaches both sides of an A/B.
   */
  verifier: VerifierData | SharedVerifierData;
  /** OpenSSH public key of the key pair made for this run. */
  sshPublicKey: string;
  /** Tags put on every resource (run id, tier, expiry): the janitor finds leftovers by them. */
  tags: Record<string, string>;
  userData?: string;
}

export interface VerifierData {
  /** An image with sshd, cloud-init's console host keys and libstdc++, of the runner's architecture (kiln ships its own Node to it). */
  amiId: string;
  instanceType: string;
  /** `unlimited` on a burstable type: a T3 in standard mode has no launch credits, and a generator throttled to baseline invalidates every run. */
  cpuCredits?: 'unlimited';
  rootVolumeGiB: number;
}

export interface SharedVerifierData {
  kind: 'shared';
  securityGroupId: string;
}

export const isSharedVerifier = (v: VerifierData | SharedVerifierData): v is SharedVerifierData => 'kind' in v && v.kind === 'shared';

export interface FleetAlarmData {
  /** CloudWatch alarm names that stop the refresh and roll back when they fire. */
  names: string[];
}

/**
 * What sends the fleet its traffic (and its ELB health checks): an Application Load Balancer the stack makes,
 * or a target group the team already has behind its own load balancer.
 */
export type FleetLoadBalancerData =
  | {
      kind: 'alb';
      /** Subnets of the load balancer itself: at least two, in different availability zones, public for an internet-facing one. */
      subnetIds: string[];
      /** Who may reach the listener: the internet by default, narrower for an internal fleet. */
      ingressCidrs: string[];
      internal: boolean;
      /** An ACM certificate: HTTPS on 443 and 80 redirecting to it; without one, HTTP on 80 only. */
      certificateArn?: string;
    }
  | { kind: 'target-group'; arn: string };

export interface FleetStackData {
  region: string;
  backend: BackendData;
  /** Name prefix for the fleet's resources, e.g. `kiln-fleet-nano`. */
  name: string;
  /** The promoted AMI id, literal (`ami-…`): never `$Latest`, never `resolve:ssm:`. */
  amiId: string;
  instanceType: string;
  /** `standard` for a burstable type (t3 launches "unlimited" by default, not the baseline the tier assumes); absent otherwise. */
  cpuCredits?: 'standard';
  rootVolumeGiB: number;
  /** The AMI's root device name (DescribeImages RootDeviceName), e.g. `/dev/sda1`. */
  rootDeviceName: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  healthCheckGracePeriodSec: number;
  refresh: {
    minHealthyPercentage: number;
    maxHealthyPercentage: number;
    instanceWarmupSec: number;
    checkpointPercentages: number[];
    checkpointDelaySec: number;
  };
  alarms: FleetAlarmData;
  loadBalancer: FleetLoadBalancerData;
  /** The app's readiness path the target group checks (the canary's `/health`). */
  healthCheckPath: string;
  /** The app's own SSM parameters / secrets, e.g. `/kiln/nano/app`: the instance role reads only below it. */
  secretsPath: string;
  accountId: string;
  tags: Record<string, string>;
  /** The fleet's cloud-config (plain text; the stack base64-encodes it for the launch template). */
  userData?: string;
}
