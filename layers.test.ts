import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTestCode, LAYERS, layerViolations, relativeImports, scanImports } from './layers.ts';

const root = import.meta.dirname;
const tree = scanImports(root, LAYERS);

describe('layering', () => {
  it('product code imports only its own folder and the folders before it in LAYERS', () => {
    expect(Object.keys(tree).length).toBeGreaterThan(200);
    expect(layerViolations(tree, LAYERS)).toEqual([]);
  });

  it('one upward import added to the real tree is exactly the one violation', () => {
    const withUpward = { ...tree, 'images/render.ts': [...tree['images/render.ts']!, '../cli/args.ts'] };
    expect(layerViolations(withUpward, LAYERS)).toEqual([
      { file: 'images/render.ts', imports: 'cli/args.ts', reason: 'images/ may not import cli/, which comes after it' },
    ]);
  });

  it('allows imports down and within a folder, and the repo root; refuses folders the order does not place', () => {
    const order = ['low', 'high'];
    expect(layerViolations({ 'high/a/b.ts': ['../../low/x.ts', './c.ts', '../../package.json'], 'low/x.ts': ['./y/z.ts'] }, order)).toEqual(
      [],
    );
    expect(layerViolations({ 'low/x.ts': ['../high/a.ts'], 'new/n.ts': ['../low/x.ts'], 'high/h.ts': ['../docs/d.ts'] }, order)).toEqual([
      { file: 'low/x.ts', imports: 'high/a.ts', reason: 'low/ may not import high/, which comes after it' },
      { file: 'new/n.ts', imports: 'low/x.ts', reason: 'new/ is not in the layer order' },
      { file: 'high/h.ts', imports: 'docs/d.ts', reason: 'docs/ is not in the layer order' },
    ]);
  });

  it('reads static, type-only, multi-line, re-export, side-effect and literal dynamic imports, not packages', () => {
    const src = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "import {\n  c,\n  d,\n} from '../../c.ts';",
      "export { e } from './e.ts';",
      "import './side.ts';",
      "const f = () => import('../f.ts');",
      "import { execa } from 'execa';",
      "import { join } from 'node:path';",
    ].join('\n');
    expect(relativeImports(src)).toEqual(['./a.ts', '../b.ts', '../../c.ts', './e.ts', './side.ts', '../f.ts']);
  });

  it('every top-level folder holding TypeScript is placed in LAYERS', () => {
    const holdsTs = (dir: string): boolean =>
      readdirSync(`${root}/${dir}`, { withFileTypes: true }).some((e) =>
        e.isDirectory() ? holdsTs(`${dir}/${e.name}`) : e.name.endsWith('.ts'),
      );
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules' && holdsTs(e.name))
      .map((e) => e.name);
    expect(folders.filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([]);
  });

  it('test code (tests, testkits, testing helpers) is exempt; product code is not', () => {
    expect(
      ['verify/run.test.ts', 'targets/aws/moto.testkit.ts', 'targets/local/testing.ts', 'verify/load/testing/ab.ts'].every(isTestCode),
    ).toBe(true);
    expect(['verify/run.ts', 'pipeline/gate.ts', 'targets/local/fixture-bundle.ts'].some(isTestCode)).toBe(false);
  });

  it("CONTRIBUTING.md's layout table lists the folders in LAYERS' order", () => {
    const table = readFileSync(`${root}/CONTRIBUTING.md`, 'utf8').split('## Layout')[1]!.split('\n## ')[0]!;
    const rows = [...table.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((m) => m[1]);
    expect(rows.filter((f) => f !== 'docs')).toEqual([...LAYERS]);
  });
});
