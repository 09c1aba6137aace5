// Both CDKTF stacks through real terraform against the AWS emulator: create, change the AMI, destroy, nothing left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { buildApp, type StacksInput } from '../../cdktf/app.ts';
import { exampleCandidate, exampleFleet } from '../../cdktf/fixtures.ts';
import type { CandidateStackData, FleetStackData } from '../../cdktf/data.ts';
import { makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { runKey } from './launch.ts';
import {
  apply,
  findTerraform,
  init,
  output,
  planExitCode,
  pointAtEmulator,
  stateList,
  validate,
  type Terraform,
} from './terraform.testkit.ts';
import { iamActionsOf, type RecordedRequest } from './recorded-actions.testkit.ts';
import { policyGaps } from './policy-check.testkit.ts';

const found = await findTerraform();
const skip = 'skip' in found ? found.skip : null;
if (skip) console.warn(`terraform.test.ts: ${skip}`);
const tf = found as Terraform;

const dir = mkdtempSync(join(tmpdir(), 'kiln-tf-'));
const recording = join(dir, 'moto-recording.jsonl');
let moto: Moto;
let c: ReturnType<Moto['clients']>;
let net: { vpcId: string; subnetIds: string[]; fleetSgId: string };
let amis: string[];
/** Seconds per phase per stack, printed at the end (a figure to read, not asserted). */
const seconds: Record<string, number> = {};
/** Every AWS request terraform made, per stack. */
const recorded: Record<string, RecordedRequest[]> = {};

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    seconds[label] = (seconds[label] ?? 0) + Math.round((performance.now() - t0) / 100) / 10;
  }
}

/** Runs `f` with moto's recorder on, keeping what terraform sent under `stack`. */
async function recordingAs<T>(stack: string, f: () => Promise<T>): Promise<T> {
  await fetch(`${moto.endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });
  await fetch(`${moto.endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
  try {
    return await f();
  } finally {
    await fetch(`${moto.endpoint}/moto-api/recorder/stop-recording`, { method: 'POST' });
    const text = await (await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`)).text();
    (recorded[stack] ??= []).push(
      ...text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedRequest),
    );
  }
}

/** Synthesizes one stack the way launch/deploy do (buildApp) and puts its cdk.tf.json into terraform's working dir. */
function synthInto(work: string, input: StacksInput, id: string): void {
  const out = mkdtempSync(join(dir, 'synth-'));
  buildApp(input, out).synth();
  mkdirSync(work, { recursive: true });
  copyFileSync(join(out, 'stacks', id, 'cdk.tf.json'), join(work, 'cdk.tf.json'));
  pointAtEmulator(work, moto.endpoint);
}

beforeAll(async () => {
  if (skip) return;
  moto = await startMoto({ env: { MOTO_RECORDER_FILEPATH: recording } });
  c = moto.clients();
  const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  const subnetIds = [];
  for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
    subnetIds.push(
      (await c.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: az }))).Subnet!.SubnetId!,
    );
  }
  // The fleet's security group belongs to the team's environment (fleet env JSON), not to the stack.
  const fleetSgId = (await c.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'team-web', Description: 'team web', VpcId: vpcId })))
    .GroupId!;
  net = { vpcId, subnetIds, fleetSgId };
  amis = [(await makeAmi(c.ec2, 'kiln-nano-a')).amiId, (await makeAmi(c.ec2, 'kiln-nano-b')).amiId];
});

afterAll(async () => {
  if (!skip) console.warn(`terraform.test.ts seconds: ${JSON.stringify(seconds)}`);
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const running = async (filterName: string, value: string) =>
  (
    (
      await c.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: filterName, Values: [value] },
            { Name: 'instance-state-name', Values: ['pending', 'running'] },
          ],
        }),
      )
    ).Reservations ?? []
  ).flatMap((r) => r.Instances ?? []);

describe.skipIf(skip)('terraform against the emulator', () => {
  it('creates the candidate stack and an A/B baseline beside it (sharing its verifier), destroys both newest first, leaving nothing', {
    timeout: 600_000,
  }, async () => {
    const work = join(dir, 'candidate');
    // A real key, as launch makes one: EC2 rejects the fixture's placeholder.
    const { publicKey } = runKey(join(dir, 'keys'), exampleCandidate.name);
    const data = (amiId: string): CandidateStackData => ({
      ...exampleCandidate,
      amiId,
      vpcId: net.vpcId,
      subnetId: net.subnetIds[0],
      sshPublicKey: publicKey,
      verifier: { ...exampleCandidate.verifier, amiId: amis[0] },
    });
    synthInto(work, { candidates: { candidate: data(amis[0]) } }, 'candidate');
    await timed('candidate init', () => init(tf, work));
    expect(await validate(tf, work)).toMatchObject({ valid: true });

    await recordingAs('candidate', () => timed('candidate apply', () => apply(tf, work)));
    // What terraform reads back matches what it wrote: a second plan is empty.
    const again = await recordingAs('candidate', () => planExitCode(tf, work));
    expect(again.code, again.output).toBe(0);
    const [first] = await running('tag:Name', exampleCandidate.name);
    expect(first).toMatchObject({ ImageId: amis[0], SubnetId: net.subnetIds[0], MetadataOptions: { HttpTokens: 'required' } });

    // The baseline of an A/B: a second stack beside the first, no verifier of its own, open to the first's verifier group.
    const sharedSg = await output(tf, work, 'verifier_security_group_id');
    const besideWork = join(dir, 'beside');
    const beside: CandidateStackData = {
      ...data(amis[1]),
      name: `${exampleCandidate.name}-b`,
      backend: { kind: 'local', path: 'terraform.beside.tfstate' },
      verifier: { kind: 'shared', securityGroupId: sharedSg },
    };
    synthInto(besideWork, { candidates: { beside } }, 'beside');
    await timed('beside init', () => init(tf, besideWork));
    await recordingAs('candidate', () => timed('beside apply', () => apply(tf, besideWork)));
    const [b] = await running('tag:Name', beside.name);
    expect(b).toMatchObject({ ImageId: amis[1], SubnetId: net.subnetIds[0] });
    const bGroup = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: b.SecurityGroups!.map((g) => g.GroupId!) })))
      .SecurityGroups!;
    expect(
      bGroup.flatMap((g) => g.IpPermissions!.map((p) => [p.FromPort, p.UserIdGroupPairs!.map((u) => u.GroupId), p.IpRanges ?? []])).sort(),
    ).toEqual([
      [22, [sharedSg], []],
      [80, [sharedSg], []],
    ]);
    // Newest first, as withBoxes tears down: the shared group is still referenced until the beside stack is gone.
    await recordingAs('candidate', () => timed('beside destroy', () => apply(tf, besideWork, { destroy: true })));
    expect(await stateList(tf, besideWork)).toEqual([]);

    await recordingAs('candidate', () => timed('candidate destroy', () => apply(tf, work, { destroy: true })));
    expect(await stateList(tf, work)).toEqual([]);
    expect(await running('tag:kiln:run-id', exampleCandidate.tags['kiln:run-id'])).toEqual([]);
    expect((await c.ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs!.map((k) => k.KeyName)).not.toContain(exampleCandidate.name);
    expect(await kilnGroups()).toEqual([]);
  });

  it('creates the fleet, makes a new launch template version on a new AMI, destroys it, leaving nothing', {
    timeout: 600_000,
  }, async () => {
    const work = join(dir, 'fleet');
    const data = (amiId: string): FleetStackData => ({
      ...exampleFleet,
      amiId,
      vpcId: net.vpcId,
      subnetIds: net.subnetIds,
      securityGroupIds: [net.fleetSgId],
      minSize: 1,
      desiredCapacity: 1,
      maxSize: 2,
      loadBalancer: { kind: 'alb', subnetIds: net.subnetIds, ingressCidrs: ['0.0.0.0/0'], internal: false },
    });
    synthInto(work, { fleets: { fleet: data(amis[0]) } }, 'fleet');
    await timed('fleet init', () => init(tf, work));
    expect(await validate(tf, work)).toMatchObject({ valid: true });

    await recordingAs('fleet', () => timed('fleet apply', () => apply(tf, work)));
    const again = await recordingAs('fleet', () => planExitCode(tf, work));
    expect(again.code, again.output).toBe(0);
    const lt = async () =>
      (await c.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [exampleFleet.name] }))).LaunchTemplates![0];
    const versions = async (id: string) =>
      (await c.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }))).LaunchTemplateVersions!.map((v) => [
        v.VersionNumber,
        v.LaunchTemplateData?.ImageId,
      ]);
    const t1 = await lt();
    expect(await versions(t1.LaunchTemplateId!)).toEqual([[1, amis[0]]]);
    const group = async () =>
      (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [exampleFleet.name] }))).AutoScalingGroups
      ?? [];
    expect((await group())[0].LaunchTemplate).toMatchObject({ LaunchTemplateId: t1.LaunchTemplateId, Version: '1' });

    synthInto(work, { fleets: { fleet: data(amis[1]) } }, 'fleet');
    await recordingAs('fleet', () => timed('fleet update', () => apply(tf, work)));
    const t2 = await lt();
    expect(t2.LaunchTemplateId).toBe(t1.LaunchTemplateId);
    expect((await versions(t2.LaunchTemplateId!)).sort()).toEqual([
      [1, amis[0]],
      [2, amis[1]],
    ]);
    expect(t2.DefaultVersionNumber).toBe(2);
    // Terraform leaves the group on the version it was created with: deploy's instance refresh moves it.
    expect((await group())[0].LaunchTemplate).toMatchObject({ Version: '1' });

    await recordingAs('fleet', () => timed('fleet destroy', () => apply(tf, work, { destroy: true })));
    expect(await stateList(tf, work)).toEqual([]);
    expect(await group()).toEqual([]);
    expect((await c.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates).toEqual([]);
    expect(await running('tag:kiln:role', 'fleet')).toEqual([]);
    const iam = await leftoverIam();
    expect(iam).toEqual({ roles: [], profiles: [] });
    expect(await leftoverElbv2()).toEqual({ targetGroups: [], loadBalancers: [] });
    expect(await kilnGroups()).toEqual([]);
  });

  it('calls only actions docs/iam-policy.json allows, on names its scoped statements match', () => {
    const policy = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/iam-policy.json'), 'utf8'));
    const calls = Object.values(recorded).flat().map(iamActionsOf);
    expect(calls.length).toBeGreaterThan(20);
    console.warn(`terraform.test.ts actions: ${[...new Set(calls.map((a) => a.action))].sort().join(' ')}`);
    expect(policyGaps(policy, calls, { account: '123456789012', region: 'us-east-1' })).toEqual([]);
  });
});

async function leftoverIam(): Promise<{ roles: string[]; profiles: string[] }> {
  const q = (action: string) =>
    fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: `Action=${action}&Version=2010-05-08`,
    }).then((r) => r.text());
  const names = (xml: string, tag: string) =>
    [...xml.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map((m) => m[1]).filter((n) => n.startsWith('kiln-'));
  return { roles: names(await q('ListRoles'), 'RoleName'), profiles: names(await q('ListInstanceProfiles'), 'InstanceProfileName') };
}

async function leftoverElbv2(): Promise<{ targetGroups: string[]; loadBalancers: string[] }> {
  const q = (action: string) =>
    fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: `Action=${action}&Version=2015-12-01`,
    }).then((r) => r.text());
  const names = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map((m) => m[1]);
  return {
    targetGroups: names(await q('DescribeTargetGroups'), 'TargetGroupName'),
    loadBalancers: names(await q('DescribeLoadBalancers'), 'LoadBalancerName'),
  };
}

/** Security groups kiln's stacks made (the team's own `team-web` and the VPC default are not theirs). */
const kilnGroups = async () =>
  (await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map((g) => g.GroupName!).filter((n) => n.startsWith('kiln-'));
