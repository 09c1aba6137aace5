import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app.ts';
import { exampleCandidate, exampleFleet } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-cdktf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildApp', () => {
  it('synthesizes both stacks to disk with no absolute path in the terraform JSON', () => {
    buildApp({ candidates: { 'candidate-nano': exampleCandidate }, fleets: { 'fleet-nano': exampleFleet } }, dir).synth();
    expect(readdirSync(join(dir, 'stacks')).sort()).toEqual(['candidate-nano', 'fleet-nano']);
    for (const s of ['candidate-nano', 'fleet-nano']) {
      const text = readFileSync(join(dir, 'stacks', s, 'cdk.tf.json'), 'utf8');
      expect(text).not.toContain(dir);
      expect(text).not.toContain(process.cwd());
      expect(JSON.parse(text).terraform.backend.local.path).toMatch(/^terraform\..*\.tfstate$/);
    }
  });

  it("accepts hashicorp/aws 5.100 (what mirrors hold) up to 6.x instead of the binding's exact pin", () => {
    for (const s of ['candidate-nano', 'fleet-nano']) {
      const tf = JSON.parse(readFileSync(join(dir, 'stacks', s, 'cdk.tf.json'), 'utf8')).terraform;
      expect(tf.required_providers.aws).toEqual({ source: 'aws', version: '>= 5.100, < 7.0' });
    }
  });
});

describe('cdktf/main.ts (the app cdktf.json runs)', () => {
  it('synthesizes the stacks named in KILN_STACKS into CDKTF_OUTDIR', async () => {
    const { execa } = await import('execa');
    const { writeFileSync } = await import('node:fs');
    const stacks = join(dir, 'stacks.json');
    writeFileSync(stacks, JSON.stringify({ fleets: { 'fleet-nano': exampleFleet } }));
    const out = join(dir, 'cli-out');
    await execa(process.execPath, ['--import', 'tsx', 'cdktf/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { KILN_STACKS: stacks, CDKTF_OUTDIR: out },
    });
    expect(
      JSON.parse(readFileSync(join(out, 'stacks', 'fleet-nano', 'cdk.tf.json'), 'utf8')).resource.aws_launch_template.lt.image_id,
    ).toBe(exampleFleet.amiId);
    const r = await execa(process.execPath, ['--import', 'tsx', 'cdktf/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { KILN_STACKS: '' },
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/KILN_STACKS is not set/);
  });
});
