import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenFiles } from './golden.ts';

const root = fileURLToPath(GOLDEN_DIR);
const walk = (dir: string, prefix = ''): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n), `${prefix}${n}/`) : [`${prefix}${n}`]));

describe('golden files (update with: npx tsx scripts/update-golden.ts)', () => {
  const rendered = goldenFiles();

  it('every rendered file equals its golden file', () => {
    const mismatched: string[] = [];
    for (const [path, content] of rendered) {
      let want: string | undefined;
      try {
        want = readFileSync(join(root, path), 'utf8');
      } catch {
        want = undefined;
      }
      if (want !== content) mismatched.push(path);
    }
    expect(mismatched).toEqual([]);
  });

  it('no golden file is left over from something no longer rendered', () => {
    expect(walk(root).filter((p) => !rendered.has(p))).toEqual([]);
  });

  // /tmp/kiln is the fixed staging dir the Packer upload and hygiene.sh agree on, not a machine path.
  it('output is deterministic and machine-independent', () => {
    const again = goldenFiles();
    const cwd = process.cwd();
    for (const [path, content] of rendered) {
      expect(again.get(path), path).toBe(content);
      expect(content.includes(cwd), `${path} holds the checkout path`).toBe(false);
      expect(content, path).not.toMatch(/\/tmp\/(?!kiln\b)|\/root\/|\b20\d\d-\d\d-\d\dT\d\d:/);
    }
  });
});
