// Keeps docs/iam-policy.json and the workflows honest against the code and the tier catalog.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { ledgerPath, runDir } from '../../pipeline/ledger.ts';
import { reportDirFor } from '../../pipeline/prepare.ts';
import { MIN_PACKER } from './bake.ts';
import { AWS_FIELDS } from './settings.ts';
import { ubuntuAmiParameter } from './verifier.ts';
import { LAYERS } from '../../layers.ts';

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
      for (const name of m[1]
        .split(',')
        .map((s) => s.trim())
        .filter((s) => /^[A-Z]\w*Command$/.test(s))) {
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
    expect(sent).toContain('autoscaling:StartInstanceRefresh');
    expect(sent.filter((a) => !allowed.has(a))).toEqual([]);
  });

  it("allows what Terraform's provider calls for the credit mode the stacks state on burstable tiers", () => {
    const allowed = new Set(policy.Statement.filter((s: any) => s.Effect === 'Allow').flatMap((s: any) => [s.Action].flat()));
    for (const a of ['ec2:DescribeInstanceCreditSpecifications', 'ec2:ModifyInstanceCreditSpecification', 'ec2:DescribeInstanceTypes'])
      expect(allowed).toContain(a);
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
  it("lets launch read only Canonical's Ubuntu 24.04 image parameter (public: no account in the ARN)", () => {
    const st = policy.Statement.find((s: any) => s.Sid === 'VerifierImageLookup');
    expect([st.Action].flat()).toEqual(['ssm:GetParameter']);
    const glob = new RegExp(`^${String(st.Resource).replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace('${KILN_REGION}', 'us-east-1')}$`);
    for (const arch of ['x86_64', 'arm64'] as const) expect(`arn:aws:ssm:us-east-1::parameter${ubuntuAmiParameter(arch)}`).toMatch(glob);
    expect('arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64').not.toMatch(glob);
  });
});

const readWorkflow = (name: string) => parse(readFileSync(join(repo, '.github/workflows', name), 'utf8'));
const field = (key: string) => AWS_FIELDS.find((f) => f.key === key)!;
const stepUsing = (job: any, action: string) => job.steps.find((s: any) => String(s.uses).startsWith(`${action}@`));
const kilnStep = (job: any, command: string) => job.steps.find((s: any) => String(s.run).includes(`./bin/kiln ${command} `));

/** The settings an AWS bake, launch and verify cannot do without, as the workflows pass them. */
function expectAwsSettings(job: any): void {
  // Names come from settings.ts, so a renamed variable fails here instead of at 3 a.m.
  for (const key of ['region', 'subnetId', 'vpcId']) expect(job.env[field(key).env], field(key).env).toBe(`\${{ vars.${field(key).env} }}`);
  const run = job.steps.find((s: any) => /\.\/bin\/kiln (nightly|gate) /.test(String(s.run)));
  expect(run.env[field('verifierCidr').env]).toBe('${{ steps.verifier.outputs.cidr }}');
  const verifier = job.steps.find((s: any) => s.id === 'verifier');
  // The runner's address as /32, refused unless checkip answered a dotted quad.
  expect(verifier.run).toMatch(/checkip\.amazonaws\.com/);
  expect(verifier.run).toMatch(/cidr=\$ip\/32/);
  expect(verifier.run).toMatch(/exit 1/);
  expect(String(stepUsing(job, 'hashicorp/setup-terraform').with.terraform_wrapper)).toBe('false');
  expect(Number(String(stepUsing(job, 'hashicorp/setup-terraform').with.terraform_version).split('.')[1])).toBeGreaterThanOrEqual(5);
  expect(Number(String(stepUsing(job, 'hashicorp/setup-packer').with.version).split('.')[1])).toBeGreaterThanOrEqual(MIN_PACKER[1]);
  expect(job.steps.some((s: any) => s.run === 'bash scripts/setup.sh')).toBe(true);
  const creds = stepUsing(job, 'aws-actions/configure-aws-credentials');
  expect(creds.with['role-to-assume']).toBe('${{ vars.KILN_AWS_ROLE_ARN }}');
  expect(creds.with).not.toHaveProperty('aws-access-key-id');
}

/** Repository variables only the workflows read (the role to assume, the gate's recipe and tiers). */
const WORKFLOW_ONLY = new Set(['KILN_AWS_ROLE_ARN', 'KILN_RECIPE', 'KILN_GATE_TIERS']);
const kilnSources = LAYERS.flatMap((d) =>
  readdirSync(join(repo, d), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/\.test\.ts$|testkit/.test(f))
    .map((f) => readFileSync(join(repo, d, f), 'utf8')),
).join('\n');
/** KILN_* names a workflow sets that no kiln source reads (a misspelt or renamed variable). */
const unreadNames = (text: string) =>
  [...new Set([...text.matchAll(/\bKILN_[A-Z0-9_]+\b/g)].map((m) => m[0]))].filter(
    (n) => !WORKFLOW_ONLY.has(n) && !new RegExp(`\\b${n}\\b`).test(kilnSources),
  );

describe('.github/workflows', () => {
  for (const name of ['nightly.yml', 'gate.yml']) {
    it(`${name}: least privilege, no persisted credentials, every KILN_ name one kiln reads`, () => {
      const text = readFileSync(join(repo, '.github/workflows', name), 'utf8');
      const wf = parse(text);
      expect(wf.permissions).toEqual({});
      for (const job of Object.values<any>(wf.jobs)) {
        expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
        for (const s of job.steps.filter((x: any) => String(x.uses).startsWith('actions/checkout@')))
          expect(s.with['persist-credentials']).toBe(false);
      }
      expect(unreadNames(text)).toEqual([]);
    });
  }

  it('nightly.yml runs on a schedule with an OIDC role, one job per tier, never cancelling a running bake', () => {
    const wf = readWorkflow('nightly.yml');
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    const bake = wf.jobs.bake;
    expect(bake.strategy.matrix.tier).toEqual(BUILTIN_TIERS.map((t) => t.name));
    expect(bake.strategy['fail-fast']).toBe(false);
    expect(bake.concurrency).toEqual({ group: 'kiln-nightly-${{ matrix.tier }}', 'cancel-in-progress': false });
    expectAwsSettings(bake);
    expect(wf.jobs.janitor.if).toBe('always()');
  });

  it('nightly.yml uploads what kiln nightly writes with the --state-dir and --out it passes', () => {
    const bake = readWorkflow('nightly.yml').jobs.bake;
    const run = String(kilnStep(bake, 'nightly').run);
    const state = run.match(/--state-dir (\S+)/)![1];
    const out = run.match(/--out (\S+)/)![1];
    const summary = run.match(/--json > (\S+)/)![1];
    const paths = String(stepUsing(bake, 'actions/upload-artifact').with.path)
      .trim()
      .split('\n')
      .map((p) => p.trim().replace(/\/$/, ''));
    // The ledger and summary of any run id, and each lane's report dir, as ledger.ts and prepare.ts name them.
    expect(paths).toEqual(
      expect.arrayContaining([summary, ledgerPath(state, '*'), join(runDir(state, '*'), 'summary.json'), reportDirFor(out, '*')]),
    );
    // Image records of earlier bakes survive a fresh runner (the promoted image's seed and the gate read them).
    const restore = stepUsing(bake, 'actions/cache/restore');
    expect(restore.with.path).toBe('.kiln/aws/images');
    expect(stepUsing(bake, 'actions/cache/save').with.key).toBe(restore.with.key);
  });

  it('gate.yml gates pull requests on aws without promoting, and never runs for forks', () => {
    const wf = readWorkflow('gate.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    const gate = wf.jobs.gate;
    expect(gate.if).toMatch(/github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    const run = String(kilnStep(gate, 'gate').run);
    expect(run).toMatch(/--target aws/);
    expect(run).toMatch(/--no-promote/);
    expect(run).toMatch(/--tier "\$TIER"/);
    const report = run.match(/--report (\S+)/)![1];
    expect(String(stepUsing(gate, 'actions/upload-artifact').with.path)).toContain(`${report}/`);
    // The PR's build must not write the cache the nightly fills.
    expect(stepUsing(gate, 'actions/cache/save')).toBeUndefined();
    expectAwsSettings(gate);
  });
});
