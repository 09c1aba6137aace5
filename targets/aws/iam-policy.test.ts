// docs/iam-policy.json is the default rendering of the policy kiln prints; another prefix moves only the pointer statement.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { iamPolicy } from './iam-policy.ts';

const repo = resolve(import.meta.dirname, '../..');
const pointer = (p: ReturnType<typeof iamPolicy>) => p.Statement.find((s) => s.Sid === 'PromotionPointer')!.Resource;

describe('iamPolicy', () => {
  it('renders docs/iam-policy.json byte for byte for the default prefix (golden)', () => {
    expect(`${JSON.stringify(iamPolicy(), null, 2)}\n`).toBe(readFileSync(join(repo, 'docs/iam-policy.json'), 'utf8'));
  });

  it('scopes the pointer statement to the given prefix and changes nothing else', () => {
    const team = iamPolicy('/team/kiln');
    expect(pointer(team)).toBe('arn:aws:ssm:${KILN_REGION}:${KILN_ACCOUNT}:parameter/team/kiln/*/ami');
    const rest = (p: ReturnType<typeof iamPolicy>) => p.Statement.filter((s) => s.Sid !== 'PromotionPointer');
    expect(rest(team)).toEqual(rest(iamPolicy()));
  });

  it('refuses a prefix that is not an SSM path, or one under /aws', () => {
    for (const bad of ['kiln', '/aws/kiln', '/kiln/*', '/kiln"}']) expect(() => iamPolicy(bad)).toThrow(/--ssm-prefix/);
  });
});

describe('kiln iam-policy', () => {
  const kiln = (args: string[], env: Record<string, string> = {}) =>
    execa('bin/kiln', ['iam-policy', ...args], { cwd: repo, reject: false, env: { PATH: process.env.PATH!, ...env }, extendEnv: false });

  it('prints the policy for --ssm-prefix (or KILN_AWS_SSM_PREFIX), exit 2 on a bad one', async () => {
    const r = await kiln(['--ssm-prefix', '/team/kiln']);
    expect(r.exitCode).toBe(0);
    expect(pointer(JSON.parse(r.stdout))).toMatch(/:parameter\/team\/kiln\/\*\/ami$/);
    expect(pointer(JSON.parse((await kiln([], { KILN_AWS_SSM_PREFIX: '/ops' })).stdout))).toMatch(/:parameter\/ops\/\*\/ami$/);
    const bad = await kiln(['--ssm-prefix', '/aws/x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--ssm-prefix/);
  });
});
