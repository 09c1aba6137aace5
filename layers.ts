/**
 * The allowed direction of imports between top-level folders, and the check of it. A folder may import itself and
 * the folders before it in LAYERS, never one after it; layers.test.ts runs the check on the repo's product code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Lowest first. CONTRIBUTING.md's layout table lists the folders in this order. */
export const LAYERS = ['lib', 'templates', 'cdktf', 'images', 'model', 'targets', 'verify', 'pipeline', 'cli', 'bench', 'scripts'] as const;

export interface LayerViolation {
  file: string;
  imports: string;
  reason: string;
}

const topFolder = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');

/**
 * Pure: every import that points from a folder to a later one in `order`, or from or into a folder `order` does not
 * place. `imports` maps a repo-relative file to the relative specifiers it imports ('../x.ts'); files at the repo root
 * (package.json) may be imported by anyone.
 */
export function layerViolations(imports: Readonly<Record<string, readonly string[]>>, order: readonly string[]): LayerViolation[] {
  const rank = new Map(order.map((folder, i) => [folder, i]));
  const out: LayerViolation[] = [];
  for (const [file, specifiers] of Object.entries(imports)) {
    const from = topFolder(file);
    for (const spec of specifiers) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const to = topFolder(target);
      if (to === from || to === '') continue;
      const [rf, rt] = [rank.get(from), rank.get(to)];
      if (rf === undefined) out.push({ file, imports: target, reason: `${from || '(repo root)'}/ is not in the layer order` });
      else if (rt === undefined) out.push({ file, imports: target, reason: `${to}/ is not in the layer order` });
      else if (rt > rf) out.push({ file, imports: target, reason: `${from}/ may not import ${to}/, which comes after it` });
    }
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative specifiers a TypeScript source imports (static, type-only, re-exports and literal dynamic imports). */
export function relativeImports(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Tests and their helpers may import fixtures from any folder; the order binds product code. */
export const isTestCode = (path: string) => /\.test\.ts$|\.testkit\.ts$|(^|\/)testing(\/|\.ts$)/.test(path);

/** {file -> relative imports} for every product .ts file under the given top-level folders of `root`. */
export function scanImports(root: string, folders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory() && e.name !== 'node_modules') walk(path);
      else if (e.isFile() && e.name.endsWith('.ts') && !isTestCode(path))
        out[path] = relativeImports(readFileSync(join(root, path), 'utf8'));
    }
  };
  for (const folder of folders) walk(folder);
  return out;
}
