// Keeps docs/iam-policy.json and the nightly workflow honest against the code and the tier catalog.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { ubuntuAmiParameter } from './verifier.ts';

const repo = resolve(import.meta.dirname, '../..');
const policy = JSON.parse(readFileSync(join(repo, 'docs/iam-policy.json'), 'utf8'));
const SERVICE: Record<string, string> = { 'client-ec2': 'ec2', 'client-ssm': 'ssm', 'client-auto-scaling': 'autoscaling' };

/** `ec2:DescribeImages` etc. for every SDK command the AWS target's code sends. */
function actionsSent(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && !f.includes('.test') && !f.includes('testkit'))) {
    const src = readFileSync(join(import.meta.dirname, f), 'utf8');
    for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
      const svc = SERVICE[m[2]];
      for (const name of m[1].split(',').map((s) => s.trim()).filter((s) => /^[A-Z]\w*Command$/.test(s))) {
        if (new RegExp(`new ${name}\\(`).test(src)) out.add(`${svc}:${name.replace(/Command$/, '')}`);
      }
    }
  }
  return [...out].sort();
}

describe('docs/iam-policy.json', () => {
  it('allows every AWS call the AWS target makes', () => {
    const allowed = new Set(policy.Statement.filter((s: any) => s.Effect === 'Allow').flatMap((s: any) => [s.Action].flat()));
    const sent = actionsSent();
    expect(sent).toContain('ssm:PutParameter');
    expect(sent).toContain('autoscaling:DescribeInstanceRefreshes');
    expect(sent.filter((a) => !allowed.has(a))).toEqual([]);
  });

  it('allows what Terraform\'s provider calls for the credit mode the stacks state on burstable tiers', () => {
    const allowed = new Set(policy.Statement.filter((s: any) => s.Effect === 'Allow').flatMap((s: any) => [s.Action].flat()));
    for (const a of ['ec2:DescribeInstanceCreditSpecifications', 'ec2:ModifyInstanceCreditSpecification', 'ec2:DescribeInstanceTypes']) expect(allowed).toContain(a);
  });

  it('grants no wildcard action, scopes deletions by kiln tags or names, and the pointer to /kiln/*/ami', () => {
    for (const s of policy.Statement) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    const del = policy.Statement.find((s: any) => s.Sid === 'RemoveOnlyWhatKilnTagged');
    expect(del.Condition).toEqual({ Null: { 'aws:ResourceTag/kiln:tier': 'false' } });
    expect(policy.Statement.find((s: any) => s.Sid === 'PromotionPointer').Resource).toMatch(/:parameter\/kiln\/\*\/ami$/);
    const pass = policy.Statement.find((s: any) => [s.Action].flat().includes('iam:PassRole'));
    expect(pass.Condition.StringEquals['iam:PassedToService']).toBe('ec2.amazonaws.com');
  });
});

describe('docs/iam-policy.json and the verifier', () => {
  it('lets launch read only Canonical\'s Ubuntu 24.04 image parameter (public: no account in the ARN)', () => {
    const st = policy.Statement.find((s: any) => s.Sid === 'VerifierImageLookup');
    expect([st.Action].flat()).toEqual(['ssm:GetParameter']);
    const glob = new RegExp(`^${String(st.Resource).replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace('${KILN_REGION}', 'us-east-1')}$`);
    for (const arch of ['x86_64', 'arm64'] as const) expect(`arn:aws:ssm:us-east-1::parameter${ubuntuAmiParameter(arch)}`).toMatch(glob);
    expect('arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64').not.toMatch(glob);
  });
});

describe('.github/workflows/nightly.yml', () => {
  const wf = parse(readFileSync(join(repo, '.github/workflows/nightly.yml'), 'utf8'));
  it('runs on a schedule with an OIDC role, one job per tier, never cancelling a running bake', () => {
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(wf.permissions['id-token']).toBe('write');
    const bake = wf.jobs.bake;
    expect(bake.strategy.matrix.tier).toEqual(BUILTIN_TIERS.map((t) => t.name));
    expect(bake.strategy['fail-fast']).toBe(false);
    expect(bake.concurrency).toEqual({ group: 'kiln-nightly-${{ matrix.tier }}', 'cancel-in-progress': false });
    const creds = bake.steps.find((s: any) => String(s.uses).startsWith('aws-actions/configure-aws-credentials@'));
    expect(creds.with['role-to-assume']).toBe('${{ vars.KILN_AWS_ROLE_ARN }}');
    expect(creds.with).not.toHaveProperty('aws-access-key-id');
    const packer = bake.steps.find((s: any) => String(s.uses).startsWith('hashicorp/setup-packer@'));
    expect(Number(String(packer.with.version).split('.')[1])).toBeGreaterThanOrEqual(10);
    expect(wf.jobs.janitor.if).toBe('always()');
  });
});
