import { describe, expect, it } from 'vitest';
import { Testing } from 'cdktf';
import { CandidateStack } from './candidate.ts';
import { exampleCandidate as d } from './fixtures.ts';

const synth = () => Testing.synth(new CandidateStack(Testing.app(), 'candidate', d));
const resources = (json: string, type: string) => Object.values(JSON.parse(json).resource[type] as Record<string, any>);

describe('CandidateStack', () => {
  it('runs the candidate AMI in the given subnet with IMDSv2 required and this run\'s key', () => {
    const out = synth();
    expect(Testing.toHaveResourceWithProperties(out, 'aws_instance', {
      ami: d.amiId, instance_type: 't3.nano', subnet_id: d.subnetId,
      metadata_options: { http_tokens: 'required' },
    })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(out, 'aws_key_pair', { public_key: d.sshPublicKey, key_name: d.name })).toBe(true);
    const [vm] = resources(out, 'aws_instance');
    expect(vm.key_name).toMatch(/aws_key_pair\.key\.key_name/);
    expect(vm.vpc_security_group_ids).toEqual(['${aws_security_group.sg.id}']);
    expect(vm.root_block_device).toMatchObject({ volume_size: 10, encrypted: true });
  });

  it('sets the credit mode it is given (standard on burstable tiers) and nothing otherwise', () => {
    const credited = Testing.synth(new CandidateStack(Testing.app(), 'candidate', { ...d, cpuCredits: 'standard' }));
    expect(resources(credited, 'aws_instance')[0].credit_specification).toEqual({ cpu_credits: 'standard' });
    expect(resources(Testing.synth(new CandidateStack(Testing.app(), 'candidate', { ...d, cpuCredits: undefined })), 'aws_instance')[0].credit_specification).toBeUndefined();
  });

  it('admits only the verifier\'s CIDR, and only to 22 and 80', () => {
    const out = synth();
    const [sg] = resources(out, 'aws_security_group');
    const ingress = sg.ingress as Array<{ from_port: number; to_port: number; cidr_blocks: string[]; ipv6_cidr_blocks?: string[] }>;
    expect(ingress.map((r) => [r.from_port, r.to_port]).sort()).toEqual([[22, 22], [80, 80]]);
    for (const r of ingress) expect(r.cidr_blocks).toEqual(['203.0.113.7/32']);
    expect(ingress.some((r) => (r.ipv6_cidr_blocks ?? []).length)).toBe(false);
  });

  it('tags every resource with run id, tier and expiry, and outputs address and instance id', () => {
    const parsed = JSON.parse(synth());
    for (const type of ['aws_instance', 'aws_security_group', 'aws_key_pair']) {
      for (const r of Object.values(parsed.resource[type]) as any[]) expect(r.tags).toMatchObject(d.tags);
    }
    expect(parsed.provider.aws[0].default_tags[0].tags).toEqual(d.tags);
    expect(Object.keys(parsed.output).sort()).toEqual(['address', 'instance_id', 'private_address']);
  });

  it('uses the relative state path it was given and writes no absolute path', () => {
    const out = synth();
    expect(JSON.parse(out).terraform.backend).toEqual({ local: { path: 'terraform.candidate.tfstate' } });
    expect(out).not.toContain(process.cwd());
    expect(out).not.toMatch(/"\/(root|home|tmp|work)\//);
  });
});
