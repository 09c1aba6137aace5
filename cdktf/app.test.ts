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
});
