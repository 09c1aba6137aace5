import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { kilnCommit, kilnVersion, versionLine } from './kiln-version.ts';

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe('kiln version', () => {
  it("is package.json's version", () => {
    expect(kilnVersion()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  it('has no commit, and does not fail, when git is not on PATH', () => {
    process.env.PATH = '/nonexistent';
    expect(kilnCommit()).toBeNull();
    expect(versionLine(kilnVersion(), kilnCommit())).toBe(`kiln ${kilnVersion()}`);
  });

  it('names the commit beside the version when there is one', () => {
    expect(versionLine('1.2.3', 'abcdef012345-dirty')).toBe('kiln 1.2.3 (git abcdef012345-dirty)');
  });
});
