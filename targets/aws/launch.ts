/**
 * `kiln launch --target aws`: a key pair for this run, the candidate stack (candidate + verifier) synthesized
 * and applied, both host keys pinned from the console output. Prints a host description `kiln verify` reads:
 * the candidate at its private address, reached through the verifier, which also runs the load.
 * `destroy` tears the same stack down; the janitor catches what a crash leaves.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import ssh2 from 'ssh2';
import { buildApp } from '../../cdktf/app.ts';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { BackendData, CandidateStackData, SharedVerifierData, VerifierData } from '../../cdktf/data.ts';
import type { Tier } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { applyStack, findApplyTool, stackOutput, type ApplyTool } from './apply.ts';
import { cpuCreditsOf } from './credits.ts';
import { hostKeysFromConsole } from './hostkeys.ts';
import { MissingPrerequisiteError } from './prereq.ts';
import { runTags } from './tags.ts';
import { resolveVerifierAmi, runnerArch, verifierData } from './verifier.ts';

export interface LaunchInput {
  tier: Tier;
  amiId: string;
  region: string;
  vpcId: string;
  subnetId: string;
  /** The runner's public address as a CIDR (`203.0.113.7/32`): the only source the verifier admits. */
  verifierCidr: string;
  /** The verifier's image; absent = Canonical's current Ubuntu 24.04 for the runner's architecture (SSM public parameter). */
  verifierAmiId?: string;
  runId: string;
  ttlHours: number;
  /** Where the stack is synthesized (`cdktf.out`) and where this run's key goes. */
  outdir: string;
  workDir: string;
  backend?: BackendData;
  user?: string;
  now?: Date;
  tool?: ApplyTool | null;
  hostKeyTimeoutSec?: number;
  /** The verifier of a box launched before this one in the same run: this box gets none of its own and admits that one. */
  beside?: AwsVerifierHost;
  log?: (line: string) => void;
}

/** The verifier as the host description carries it: SSH jump host to the candidate and where the load runs. */
export interface AwsVerifierHost {
  address: string;
  port: number;
  user: string;
  keyPath: string;
  hostKey: string;
  instanceId: string;
  instanceType: string;
  subnetId: string;
  /** Its security group: a box launched beside it admits 22 and 80 from this group. */
  securityGroupId: string;
}

export interface AwsHost {
  target: 'aws';
  /** The candidate's private address: reachable from the verifier only. */
  address: string;
  port: number;
  user: string;
  keyPath: string;
  hostKey: string;
  imageRef: string;
  tier: string;
  instanceId: string;
  stackDir: string;
  verifier: AwsVerifierHost;
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(3[0-2]|[12]?\d)$/;

/** Pure: the candidate stack's data. */
export function candidateData(
  input: LaunchInput,
  arch: 'x86_64' | 'arm64',
  sshPublicKey: string,
  verifier: VerifierData | SharedVerifierData,
): CandidateStackData {
  if (!CIDR.test(input.verifierCidr) || input.verifierCidr.endsWith('/0')) {
    throw new InputError(
      '--verifier-cidr',
      input.verifierCidr,
      'one IPv4 CIDR narrower than /0 (your address as /32)',
      "pass the verifier's public address, e.g. 203.0.113.7/32",
    );
  }
  const instanceType = input.tier.instanceTypes[arch][0];
  if (!instanceType)
    throw new InputError(
      `tier ${input.tier.name}.instanceTypes.${arch}`,
      [],
      'at least one instance type',
      'add one or bake for the other architecture',
    );
  const name = `kiln-${input.tier.name}-${input.runId}`;
  return {
    region: input.region,
    backend: input.backend ?? { kind: 'local', path: `terraform.${name}.tfstate` },
    name,
    amiId: input.amiId,
    instanceType,
    ...cpuCreditsOf(input.tier),
    rootVolumeGiB: input.tier.rootVolumeGiB,
    vpcId: input.vpcId,
    subnetId: input.subnetId,
    verifierCidr: input.verifierCidr,
    verifier,
    sshPublicKey,
    tags: runTags({ runId: input.runId, tier: input.tier.name, role: 'candidate', ttlHours: input.ttlHours, now: input.now ?? new Date() }),
  };
}

/** An ed25519 key pair for this run only; the private half stays in the work dir (0600). */
export function runKey(workDir: string, name: string): { keyPath: string; publicKey: string } {
  mkdirSync(workDir, { recursive: true });
  const k = ssh2.utils.generateKeyPairSync('ed25519', { comment: name });
  const keyPath = resolve(workDir, `${name}.key`);
  writeFileSync(keyPath, k.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  return { keyPath, publicKey: k.public };
}

export async function launch(c: { ec2: EC2Client; ssm: SSMClient }, input: LaunchInput): Promise<AwsHost> {
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const image = (await c.ec2.send(new DescribeImagesCommand({ ImageIds: [input.amiId] }))).Images?.[0];
  if (!image)
    throw new InputError('--image', input.amiId, 'an AMI visible in this account and region', 'pass the image ref kiln bake printed');
  const arch = image.Architecture === 'arm64' ? 'arm64' : 'x86_64';
  const name = `kiln-${input.tier.name}-${input.runId}`;
  const key = runKey(input.workDir, name);
  const vArch = runnerArch();
  const verifier = input.beside
    ? { kind: 'shared' as const, securityGroupId: input.beside.securityGroupId }
    : verifierData(vArch, input.verifierAmiId ?? (await resolveVerifierAmi(c.ssm, vArch)));
  const data = candidateData(input, arch, key.publicKey, verifier);
  const stackId = `candidate-${input.tier.name}-${input.runId}`;
  buildApp({ candidates: { [stackId]: data } }, input.outdir).synth();
  const stackDir = join(input.outdir, 'stacks', stackId);
  log(`launch: candidate stack synthesized in ${stackDir}`);
  const tool = input.tool === undefined ? await findApplyTool() : input.tool;
  if (!tool)
    throw new MissingPrerequisiteError(
      [`apply tool: terraform >= 1.5 on PATH; the stack is synthesized in ${stackDir}`],
      'kiln launch --target aws',
    );
  await applyStack(stackDir, tool);
  const instanceId = await stackOutput(stackDir, tool, 'instance_id');
  // The candidate takes no connection from outside the VPC: kiln reaches it through the verifier.
  const address = await stackOutput(stackDir, tool, 'private_address');
  const host = {
    target: 'aws' as const,
    address,
    port: 22,
    user: input.user ?? 'ubuntu',
    keyPath: key.keyPath,
    imageRef: `${input.region}:${input.amiId}`,
    tier: input.tier.name,
    instanceId,
    stackDir,
  };
  if (input.beside) {
    log(`launch: ${instanceId} at ${address}, beside verifier ${input.beside.instanceId}; waiting for its host key on the console`);
    const [hostKey] = await hostKeysFromConsole(c.ec2, instanceId, { timeoutSec: input.hostKeyTimeoutSec });
    return { ...host, hostKey, verifier: input.beside };
  }
  const verifierId = await stackOutput(stackDir, tool, 'verifier_instance_id');
  const verifierAddress = await stackOutput(stackDir, tool, 'verifier_address');
  const verifierSg = await stackOutput(stackDir, tool, 'verifier_security_group_id');
  log(`launch: ${instanceId} at ${address}, verifier ${verifierId} at ${verifierAddress}; waiting for their host keys on the console`);
  const [[hostKey], [verifierKey]] = await Promise.all(
    [instanceId, verifierId].map((id) => hostKeysFromConsole(c.ec2, id, { timeoutSec: input.hostKeyTimeoutSec })),
  );
  return {
    ...host,
    hostKey,
    verifier: {
      address: verifierAddress,
      port: 22,
      user: 'ubuntu',
      keyPath: key.keyPath,
      hostKey: verifierKey,
      instanceId: verifierId,
      instanceType: (verifier as VerifierData).instanceType,
      subnetId: input.subnetId,
      securityGroupId: verifierSg,
    },
  };
}

/** Tears a candidate stack down (terraform destroy on its synthesized directory). */
export async function destroy(stackDir: string, tool?: ApplyTool | null): Promise<void> {
  const t = tool === undefined ? await findApplyTool() : tool;
  await applyStack(stackDir, t, { destroy: true });
}
