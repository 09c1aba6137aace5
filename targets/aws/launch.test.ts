import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { Testing } from 'cdktf';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { baseAmi, makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { candidateData, launch, type LaunchInput } from './launch.ts';
import { hostKeysFromConsole } from './hostkeys.ts';
import { parseHostKeys } from '../../model/host-keys.ts';
import { MissingPrerequisiteError } from './prereq.ts';
import { resolveVerifierAmi, runnerArch, ubuntuAmiParameter, verifierData } from './verifier.ts';

let moto: Moto;
let c: ReturnType<Moto['clients']>;
const dir = mkdtempSync(join(tmpdir(), 'kiln-launch-'));
beforeAll(async () => {
  moto = await startMoto();
  c = moto.clients();
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const v = verifierData('x86_64', 'ami-0aaaabbbbccccdddd');
const input = (over: Partial<LaunchInput> = {}): LaunchInput => ({
  tier: nano,
  amiId: 'ami-0123456789abcdef0',
  region: 'us-east-1',
  vpcId: 'vpc-0abc',
  subnetId: 'subnet-0abc',
  verifierCidr: '203.0.113.7/32',
  runId: 'r1',
  ttlHours: 4,
  outdir: join(dir, 'out'),
  workDir: join(dir, 'work'),
  now: new Date('2026-01-01T00:00:00Z'),
  log: () => {},
  ...over,
});

describe('candidate launch', () => {
  it('states the standard credit mode for a burstable tier (t3 would launch unlimited), none for a fixed-performance one', () => {
    expect(candidateData(input(), 'x86_64', 'ssh-ed25519 AAAA', v).cpuCredits).toBe('standard');
    const xlarge = BUILTIN_TIERS.find((t) => t.name === 'xlarge')!;
    expect(candidateData(input({ tier: xlarge }), 'x86_64', 'ssh-ed25519 AAAA', v)).not.toHaveProperty('cpuCredits');
  });

  it('admits only a narrow verifier CIDR', () => {
    for (const bad of ['0.0.0.0/0', '203.0.113.7', 'example.com/32']) {
      expect(() => candidateData(input({ verifierCidr: bad }), 'x86_64', 'ssh-ed25519 AAAA', v)).toThrow(InputError);
    }
    const d = candidateData(input(), 'arm64', 'ssh-ed25519 AAAA', v);
    expect(d).toMatchObject({
      instanceType: 't4g.nano',
      cpuCredits: 'standard',
      name: 'kiln-nano-r1',
      tags: { 'kiln:run-id': 'r1', 'kiln:tier': 'nano', 'kiln:role': 'candidate', 'kiln:expires-at': '2026-01-01T04:00:00.000Z' },
    });
  });

  it('makes a key for this run and synthesizes the stack, then says what to install when terraform is missing', async () => {
    const ami = await makeAmi(c.ec2, 'kiln-nano-candidate');
    const err = await launch(c, input({ amiId: ami.amiId, verifierAmiId: 'ami-0aaaabbbbccccdddd', tool: null })).catch((e) => e);
    expect(err).toBeInstanceOf(MissingPrerequisiteError);
    expect(err.message).toMatch(/terraform >= 1\.5/);
    const keyPath = join(dir, 'work', 'kiln-nano-r1.key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyPath, 'utf8')).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    const json = readFileSync(join(dir, 'out', 'stacks', 'candidate-nano-r1', 'cdk.tf.json'), 'utf8');
    expect(
      Testing.toHaveResourceWithProperties(json, 'aws_instance', { ami: ami.amiId, metadata_options: { http_tokens: 'required' } }),
    ).toBe(true);
    expect(JSON.parse(json).resource.aws_key_pair.key.public_key).toMatch(/^ssh-ed25519 \S+ kiln-nano-r1$/);
    // The verifier is of the runner's architecture (kiln ships its own Node to it), whatever the candidate's.
    expect(JSON.parse(json).resource.aws_instance.verifier).toMatchObject({
      ami: 'ami-0aaaabbbbccccdddd',
      instance_type: process.arch === 'arm64' ? 't4g.micro' : 't3.micro',
    });
    expect(json).not.toContain(dir);
  });

  it("beside a box of the same run: no verifier of its own (no image lookup either), the candidate open to that box's verifier group only", async () => {
    const ami = await makeAmi(c.ec2, 'kiln-nano-baseline');
    const peer = {
      address: '198.51.100.9',
      port: 22,
      user: 'ubuntu',
      keyPath: '/k',
      hostKey: 'ssh-ed25519 AAAA',
      instanceId: 'i-0peer',
      instanceType: 't3.micro',
      subnetId: 'subnet-0abc',
      securityGroupId: 'sg-0peerverifier',
    };
    const err = await launch(c, input({ amiId: ami.amiId, runId: 'r1b', beside: peer, tool: null })).catch((e) => e);
    expect(err).toBeInstanceOf(MissingPrerequisiteError);
    const stack = JSON.parse(readFileSync(join(dir, 'out', 'stacks', 'candidate-nano-r1b', 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(stack.resource.aws_instance)).toEqual(['candidate']);
    expect(Object.keys(stack.resource.aws_security_group)).toEqual(['sg']);
    expect(stack.resource.aws_security_group.sg.ingress.map((r: any) => r.security_groups)).toEqual([
      ['sg-0peerverifier'],
      ['sg-0peerverifier'],
    ]);
  });

  it('refuses to go on without host keys on the console (the emulator prints none)', async () => {
    const inst = (await c.ec2.send(new RunInstancesCommand({ ImageId: await baseAmi(c.ec2), MinCount: 1, MaxCount: 1 }))).Instances![0]
      .InstanceId!;
    await expect(hostKeysFromConsole(c.ec2, inst, { timeoutSec: 0 })).rejects.toThrow(
      /no SSH host keys .* refusing to connect without a pinned host key/,
    );
  });
});

describe('the verifier', () => {
  it("matches the runner's architecture and bursts without a credit ceiling", () => {
    expect(runnerArch('x64')).toBe('x86_64');
    expect(runnerArch('arm64')).toBe('arm64');
    expect(() => runnerArch('ia32')).toThrow(InputError);
    expect(verifierData('arm64', 'ami-0123456789abcdef0')).toEqual({
      amiId: 'ami-0123456789abcdef0',
      instanceType: 't4g.micro',
      cpuCredits: 'unlimited',
      rootVolumeGiB: 8,
    });
    expect(verifierData('x86_64', 'ami-0123456789abcdef0').instanceType).toBe('t3.micro');
    expect(() => verifierData('x86_64', 'ubuntu')).toThrow(InputError);
    expect(ubuntuAmiParameter('x86_64')).toBe('/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id');
  });

  it('says which parameter it could not read, and what to pass instead', async () => {
    await expect(resolveVerifierAmi(c.ssm, 'x86_64')).rejects.toThrow(
      /\/aws\/service\/canonical\/ubuntu\/server\/24\.04\/.*failed .*pass a verifier AMI id instead/,
    );
  });
});

describe('parseHostKeys', () => {
  it('reads the keys cloud-init prints, whatever the console prefix, ed25519 first', () => {
    const text = [
      '[   12.345678] cloud-init[812]: Cloud-init v. 24.1 finished',
      'ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
      'ec2: 256 SHA256:abc root@ip-10-0-0-5 (ECDSA)',
      'ec2: -----END SSH HOST KEY FINGERPRINTS-----',
      '-----BEGIN SSH HOST KEY KEYS-----',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= root@ip-10-0-0-5',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1 root@ip-10-0-0-5',
      '-----END SSH HOST KEY KEYS-----',
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 outside-the-block',
    ].join('\r\n');
    expect(parseHostKeys(text)).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=',
    ]);
    expect(parseHostKeys('no keys here')).toEqual([]);
  });
});
