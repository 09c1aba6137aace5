/**
 * A team's app as bake input: the recipe's source (a project dir or a wheel) and its requirements, checked on this
 * host and named by content, so the bundle (and with it the image ref) changes exactly when the app does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../images/errors.ts';
import { readInputFile } from '../images/input-file.ts';
import type { Recipe } from '../images/web.ts';
import { REPO_ROOT } from '../targets/local/paths.ts';

/** Never shipped to a box: caches, VCS metadata and kiln's own state when it runs from the project dir. */
const SKIPPED = new Set(['__pycache__', '.git', '.venv', 'venv', 'node_modules', '.mypy_cache', '.pytest_cache', '.kiln']);

/** Files of a source dir, relative, sorted, without caches (what goes into the image). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (SKIPPED.has(e.name) || e.name.endsWith('.pyc')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export interface AppPayload {
  kind: 'dir' | 'wheel';
  /** Absolute path on this host. */
  path: string;
  /** The dir's base name or the wheel's file name. */
  name: string;
  /** Files shipped (a dir: relative paths; a wheel: its file name). */
  files: string[];
  /** sha256 over (path, content hash) of every shipped file: names the build in lineage and reports. */
  sha256: string;
  requirements: { path: string; sha256: string } | null;
  /** kiln's pinned gunicorn goes in beside the app's requirements when they name none. */
  addGunicorn: boolean;
}

/** Where the app lands in a bundle (provision.sh reads these names). */
export const PAYLOAD_DIR = 'app';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** kiln's gunicorn pin: the one the canary's requirements carry. */
export const GUNICORN_PIN = /^gunicorn==\S+$/m.exec(readFileSync(join(REPO_ROOT, 'images/app/requirements.txt'), 'utf8'))![0];

/** PEP 503 names of the requirements a pip requirements file lists (options, URLs and comments skipped). */
export function requirementNames(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
    if (m && !line.startsWith('-')) names.push(m[1].toLowerCase().replace(/[-_.]+/g, '-'));
  }
  return names;
}

function requirementsOf(recipe: Recipe): (AppPayload['requirements'] & { text: string }) | null {
  const path = recipe.app.requirements;
  if (path === null) return null;
  const bytes = readInputFile('recipe.app.requirements', path, 'pip requirements file', 'fix the path (relative to the recipe file)');
  return { path, sha256: sha256(bytes), text: bytes.toString('utf8') };
}

/** The recipe's app as a payload; null for the canary (it is rendered with the image's files). */
export function appPayload(recipe: Recipe): AppPayload | null {
  const src = recipe.app.source;
  if (src.kind === 'canary') return null;
  const read = requirementsOf(recipe);
  const named = read ? requirementNames(read.text) : [];
  const base = { requirements: read && { path: read.path, sha256: read.sha256 }, addGunicorn: !named.includes('gunicorn') };
  if (!existsSync(src.path))
    throw new InputError(
      'recipe.app.source',
      src.path,
      'an existing Django project dir or wheel file',
      'fix the path (relative to the recipe file)',
    );
  if (src.kind === 'wheel') {
    if (!statSync(src.path).isFile() || !/\.whl$/.test(src.path))
      throw new InputError(
        'recipe.app.source',
        src.path,
        'a wheel file (NAME-VERSION-PY-ABI-PLATFORM.whl)',
        'build one with `pip wheel --no-deps DIR`',
      );
    const name = basename(src.path);
    return { kind: 'wheel', path: src.path, name, files: [name], sha256: sha256(`${name}\0${sha256(readFileSync(src.path))}\n`), ...base };
  }
  if (!statSync(src.path).isDirectory())
    throw new InputError(
      'recipe.app.source',
      src.path,
      'a Django project dir (manage.py at its root) or a wheel file',
      'point it at the dir that holds manage.py',
    );
  const files = sourceFiles(src.path);
  if (!files.includes('manage.py'))
    throw new InputError(
      'recipe.app.source',
      src.path,
      `a Django project dir with manage.py at its root; there is none in ${src.path}`,
      'point it at the dir that holds manage.py',
    );
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${sha256(readFileSync(join(src.path, f)))}\n`);
  return { kind: 'dir', path: src.path, name: basename(src.path), files, sha256: h.digest('hex'), ...base };
}

/** Copies the payload into `<bundle>/app/`: the project dir as `src/` or the wheel, the requirements, kiln's additions. */
export async function writePayload(bundleDir: string, p: AppPayload): Promise<void> {
  const dir = join(bundleDir, PAYLOAD_DIR);
  await mkdir(dir, { recursive: true });
  if (p.kind === 'wheel') await copyFile(p.path, join(dir, p.name));
  else {
    for (const f of p.files) {
      await mkdir(dirname(join(dir, 'src', f)), { recursive: true });
      await cp(join(p.path, f), join(dir, 'src', f), { preserveTimestamps: false });
    }
  }
  if (p.requirements) await copyFile(p.requirements.path, join(dir, 'requirements.txt'));
  if (p.addGunicorn)
    await writeFile(join(dir, 'kiln-requirements.txt'), `# added by kiln: the app's requirements name no gunicorn\n${GUNICORN_PIN}\n`);
}

/** The files writePayload puts in a bundle, relative to it (manifest.json lists them: kiln replaces only what it wrote). */
export function payloadPaths(p: AppPayload | null): string[] {
  if (!p) return [];
  const files = p.kind === 'wheel' ? [p.name] : p.files.map((f) => join('src', f));
  if (p.requirements) files.push('requirements.txt');
  if (p.addGunicorn) files.push('kiln-requirements.txt');
  return files.map((f) => join(PAYLOAD_DIR, f));
}

/** What the image records of its app (lineage): identity, never host paths. */
export const payloadRecord = (p: AppPayload | null) =>
  p
    ? {
        kind: p.kind,
        build: p.name,
        sha256: p.sha256,
        files: p.files.length,
        requirementsSha256: p.requirements?.sha256 ?? null,
        addedGunicorn: p.addGunicorn,
      }
    : { kind: 'canary' as const };
