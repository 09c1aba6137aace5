import { describe, expect, it } from 'vitest';
import { Testing } from 'cdktf';
import { CandidateStack } from './candidate.ts';
import { exampleCandidate as d } from './fixtures.ts';
import type { VerifierData } from './data.ts';

const synth = () => Testing.synth(new CandidateStack(Testing.app(), 'candidate', d));
const instance = (json: string, id: string) => (JSON.parse(json).resource.aws_instance as Record<string, any>)[id];
type Rule = { from_port: number; to_port: number; cidr_blocks?: string[]; ipv6_cidr_blocks?: string[]; security_groups?: string[] };

describe('CandidateStack', () => {
  it("runs the candidate AMI in the given subnet with IMDSv2 required and this run's key", () => {
    const out = synth();
    expect(
      Testing.toHaveResourceWithProperties(out, 'aws_instance', {
        ami: d.amiId,
        instance_type: 't3.nano',
        subnet_id: d.subnetId,
        metadata_options: { http_tokens: 'required' },
      }),
    ).toBe(true);
    expect(Testing.toHaveResourceWithProperties(out, 'aws_key_pair', { public_key: d.sshPublicKey, key_name: d.name })).toBe(true);
    const vm = instance(out, 'candidate');
    expect(vm.key_name).toMatch(/aws_key_pair\.key\.key_name/);
    expect(vm.vpc_security_group_ids).toEqual(['${aws_security_group.sg.id}']);
    expect(vm.root_block_device).toMatchObject({ volume_size: 10, encrypted: true });
    for (const id of ['candidate', 'verifier']) expect(instance(out, id).ebs_optimized).toBe(true);
  });

  it('runs the verifier beside it: same subnet and key, its own group, IMDSv2, unlimited credits, encrypted root', () => {
    const v = instance(synth(), 'verifier');
    expect(v).toMatchObject({
      ami: (d.verifier as VerifierData).amiId,
      instance_type: 't3.micro',
      subnet_id: d.subnetId,
      associate_public_ip_address: true,
      credit_specification: { cpu_credits: 'unlimited' },
      metadata_options: { http_tokens: 'required' },
      root_block_device: { volume_size: 8, encrypted: true },
    });
    expect(v.key_name).toMatch(/aws_key_pair\.key\.key_name/);
    expect(v.vpc_security_group_ids).toEqual(['${aws_security_group.verifier-sg.id}']);
    expect(v.user_data).toBeUndefined();
  });

  it('sets the credit mode it is given (standard on burstable tiers) and nothing otherwise', () => {
    const credited = Testing.synth(new CandidateStack(Testing.app(), 'candidate', { ...d, cpuCredits: 'standard' }));
    expect(instance(credited, 'candidate').credit_specification).toEqual({ cpu_credits: 'standard' });
    expect(
      instance(Testing.synth(new CandidateStack(Testing.app(), 'candidate', { ...d, cpuCredits: undefined })), 'candidate')
        .credit_specification,
    ).toBeUndefined();
  });

  it("admits the runner's CIDR only to the verifier's 22, and the candidate's 22 and 80 only from the verifier's group", () => {
    const groups = JSON.parse(synth()).resource.aws_security_group as Record<string, { ingress: Rule[] }>;
    expect(Object.keys(groups).sort()).toEqual(['sg', 'verifier-sg']);
    const candidate = groups.sg.ingress;
    expect(candidate.map((r) => [r.from_port, r.to_port]).sort()).toEqual([
      [22, 22],
      [80, 80],
    ]);
    for (const r of candidate) {
      expect(r.security_groups).toEqual(['${aws_security_group.verifier-sg.id}']);
      expect(r.cidr_blocks ?? []).toEqual([]);
    }
    const verifier = groups['verifier-sg'].ingress;
    expect(verifier.map((r) => [r.from_port, r.to_port, r.cidr_blocks])).toEqual([[22, 22, ['203.0.113.7/32']]]);
    for (const r of [...candidate, ...verifier]) expect((r.ipv6_cidr_blocks ?? []).length).toBe(0);
  });

  it("tags every resource with run id, tier and expiry, and outputs both instances' addresses and ids", () => {
    const parsed = JSON.parse(synth());
    for (const type of ['aws_instance', 'aws_security_group', 'aws_key_pair']) {
      for (const r of Object.values(parsed.resource[type]) as any[]) expect(r.tags).toMatchObject(d.tags);
    }
    expect(parsed.provider.aws[0].default_tags[0].tags).toEqual(d.tags);
    expect(Object.keys(parsed.output).sort()).toEqual([
      'address',
      'instance_id',
      'private_address',
      'verifier_address',
      'verifier_instance_id',
      'verifier_security_group_id',
    ]);
  });

  it("beside a box launched before it: no verifier of its own, 22 and 80 only from that box's verifier group, the runner admitted nowhere", () => {
    const parsed = JSON.parse(
      Testing.synth(
        new CandidateStack(Testing.app(), 'candidate', { ...d, verifier: { kind: 'shared', securityGroupId: 'sg-0verifier1' } }),
      ),
    );
    expect(Object.keys(parsed.resource.aws_instance)).toEqual(['candidate']);
    const groups = parsed.resource.aws_security_group as Record<string, { ingress: Rule[] }>;
    expect(Object.keys(groups)).toEqual(['sg']);
    expect(groups.sg.ingress.map((r) => [r.from_port, r.security_groups, r.cidr_blocks ?? []]).sort()).toEqual([
      [22, ['sg-0verifier1'], []],
      [80, ['sg-0verifier1'], []],
    ]);
    expect(JSON.stringify(parsed)).not.toContain('203.0.113.7');
    expect(Object.keys(parsed.output).sort()).toEqual(['address', 'instance_id', 'private_address']);
  });

  it('uses the relative state path it was given and writes no absolute path', () => {
    const out = synth();
    expect(JSON.parse(out).terraform.backend).toEqual({ local: { path: 'terraform.candidate.tfstate' } });
    expect(out).not.toContain(process.cwd());
    expect(out).not.toMatch(/"\/(root|home|tmp|work)\//);
  });
});
