// When a passing gate promotes its candidate: `kiln gate --no-promote` (a pull request's build) never does.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { promotionDue } from './gate.ts';

const repo = new URL('..', import.meta.url).pathname;

describe('gate promotion', () => {
  it('promotes a passing rebuild by default, never with promotion off, an A/A run or without a verdict', () => {
    expect(promotionDue(undefined, 'ami-new', 'ami-old', '/r/verdict.json')).toBe(true);
    expect(promotionDue(true, 'ami-new', 'ami-old', '/r/verdict.json')).toBe(true);
    expect(promotionDue(false, 'ami-new', 'ami-old', '/r/verdict.json')).toBe(false);
    expect(promotionDue(undefined, 'ami-same', 'ami-same', '/r/verdict.json')).toBe(false);
    expect(promotionDue(undefined, 'ami-new', 'ami-old', undefined)).toBe(false);
  });

  it('kiln gate takes --no-promote (the next missing input is reported, not an unknown flag)', async () => {
    const r = await execa('bin/kiln', ['gate', '--tier', 'nano', '--no-promote'], { cwd: repo, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--recipe/);
    expect(r.stderr).not.toMatch(/Unknown option/i);
    const bad = await execa('bin/kiln', ['gate', '--tier', 'nano', '--no-promote-please'], { cwd: repo, reject: false });
    expect(bad.stderr).toMatch(/Unknown option/i);
  });
});
