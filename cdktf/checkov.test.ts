// checkov on both synthesized stacks: no failed check beyond the decisions in cdktf/checkov.yaml.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { buildApp } from './app.ts';
import { exampleCandidate, exampleFleet } from './fixtures.ts';

const repo = resolve(import.meta.dirname, '..');
// scripts/setup.sh installs checkov in its own venv (its pins conflict with moto's).
const checkov = join(repo, '.venv-checkov/bin/checkov');
const config = join(repo, 'cdktf/checkov.yaml');
const skip = existsSync(checkov) ? null : 'skipped: no checkov (scripts/setup.sh installs it in .venv-checkov)';
if (skip) console.warn(`checkov.test.ts: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'kiln-checkov-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Failed {
  check_id: string;
  file_path: string;
  resource: string;
  check_name: string;
}

/** Failed checks per stack directory, with or without the repo's config. */
async function scan(withConfig: boolean): Promise<Failed[]> {
  const args = [
    '-d',
    join(dir, 'stacks'),
    '-o',
    'json',
    ...(withConfig ? ['--config-file', config] : ['--framework', 'terraform_json', '--skip-download', '--quiet', '--compact']),
  ];
  const r = await execa(checkov, args, { reject: false, env: { BC_SKIP_MAPPING: 'TRUE' } });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`checkov exited ${r.exitCode}: ${r.stderr.slice(-2000)}`);
  const reports = [JSON.parse(r.stdout)].flat();
  return reports.flatMap((rep: any) => rep.results?.failed_checks ?? []);
}

describe.skipIf(skip)('checkov on the synthesized stacks', () => {
  buildApp(
    {
      candidates: { candidate: exampleCandidate },
      fleets: {
        // The shape a public fleet should have: HTTPS with the HTTP listener redirecting to it.
        'fleet-https': {
          ...exampleFleet,
          loadBalancer: {
            kind: 'alb',
            subnetIds: ['subnet-0a1', 'subnet-0b2'],
            ingressCidrs: ['0.0.0.0/0'],
            internal: false,
            certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
          },
        },
        // Without a certificate the fleet serves plain HTTP: the team's stated choice, reported below.
        'fleet-http': exampleFleet,
      },
    },
    dir,
  ).synth();

  it('finds nothing in the candidate and the HTTPS fleet, and only the plain-HTTP listener in a fleet without a certificate', {
    timeout: 180_000,
  }, async () => {
    const failed = await scan(true);
    const where = (stack: string) =>
      failed
        .filter((f) => f.file_path.includes(`/${stack}/`))
        .map((f) => `${f.check_id} ${f.resource}`)
        .sort();
    expect(where('candidate')).toEqual([]);
    expect(where('fleet-https')).toEqual([]);
    expect(new Set(where('fleet-http').map((f) => f.split(' ')[0]))).toEqual(new Set(['CKV_AWS_2', 'CKV_AWS_103', 'CKV2_AWS_20']));
  });

  it('skips only checks that still fail without the config (no stale suppression)', { timeout: 180_000 }, async () => {
    const skipped: string[] = parse(readFileSync(config, 'utf8'))['skip-check'];
    const fired = new Set((await scan(false)).map((f) => f.check_id));
    expect(skipped.filter((id) => !fired.has(id))).toEqual([]);
  });
});
