/**
 * The verifier instance launched beside each candidate: it runs the load generator inside the VPC and is the
 * SSH jump host to the candidate. kiln ships its own Node binary to it, so it must have the runner's CPU
 * architecture; a stock Ubuntu 24.04 image (sshd, cloud-init printing host keys, libstdc++) runs nothing else.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { VerifierData } from '../../cdktf/data.ts';
import { InputError } from '../../images/errors.ts';

export type Arch = 'x86_64' | 'arm64';

/** The runner's architecture as EC2 names it (the Node binary kiln ships must run on the verifier). */
export function runnerArch(nodeArch: string = process.arch): Arch {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'arm64';
  throw new InputError('runner architecture', nodeArch, 'x64 or arm64', 'run kiln on an x86_64 or arm64 machine');
}

/** Canonical's public SSM parameter for the current Ubuntu 24.04 server AMI (gp3 root) of an architecture. */
export const ubuntuAmiParameter = (arch: Arch): string =>
  `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch === 'arm64' ? 'arm64' : 'amd64'}/hvm/ebs-gp3/ami-id`;

/** Pure: the verifier's stack data. Smallest burstable type with room for Node (1 GiB), credits unlimited. */
export function verifierData(arch: Arch, amiId: string): VerifierData {
  if (!/^ami-[0-9a-f]{8,17}$/.test(amiId))
    throw new InputError('verifier AMI', amiId, 'an AMI id (ami-…)', "pass an Ubuntu 24.04 AMI of the runner's architecture");
  return { amiId, instanceType: arch === 'arm64' ? 't4g.micro' : 't3.micro', cpuCredits: 'unlimited', rootVolumeGiB: 8 };
}

export async function resolveVerifierAmi(ssm: SSMClient, arch: Arch): Promise<string> {
  const name = ubuntuAmiParameter(arch);
  const value = await ssm.send(new GetParameterCommand({ Name: name })).then(
    (r) => r.Parameter?.Value ?? '',
    (e: Error) => {
      throw new Error(
        `the verifier's image: reading SSM parameter ${name} failed (${e.name}: ${e.message}); pass a verifier AMI id instead`,
      );
    },
  );
  if (!/^ami-[0-9a-f]{8,17}$/.test(value))
    throw new Error(`the verifier's image: SSM parameter ${name} holds ${JSON.stringify(value)}, not an AMI id`);
  return value;
}
