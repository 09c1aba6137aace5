/**
 * An app build the gate can install: a wheel file or a Django project dir, inspected on this host before any box
 * boots. Anything else is bad input (InputError, exit 2) naming the flag, the value, what is allowed and the fix.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../../images/errors.ts';
import { REPO_ROOT } from '../../targets/local/paths.ts';

export interface AppBuild {
  kind: 'wheel' | 'dir';
  /** Absolute path on this host. */
  path: string;
  /** The wheel's file name, or the dir's base name. */
  name: string;
  /** The Django project package: `<package>.wsgi:application` is served, `<package>.settings` migrates. */
  package: string;
  /** sha256 of the wheel, or of the dir's (path, content) list: names the build in records and reports. */
  sha256: string;
}

/** The canary app baked into every image: the default candidate and the first "previous release". */
export const CANARY_DIR = join(REPO_ROOT, 'images/app/canary');

// PEP 427 file name: distribution-version(-build)?-python-abi-platform.whl (the only name pip accepts).
const WHEEL_NAME = /^[A-Za-z0-9_.]+-[A-Za-z0-9_.!+]+(-[0-9][A-Za-z0-9_]*)?-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl$/;
const PACKAGE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Never shipped to a box: caches, VCS metadata and kiln's own state when it runs from the project dir. */
const SKIPPED = new Set(['__pycache__', '.git', '.venv', 'venv', 'node_modules', '.mypy_cache', '.pytest_cache', '.kiln']);

const ALLOWED = 'a wheel file (NAME-VERSION-PY-ABI-PLATFORM.whl) or a Django project dir (manage.py + PACKAGE/wsgi.py + PACKAGE/settings)';

/** The one project package among `names` (paths inside the build) that has wsgi.py and settings. */
function projectPackage(flag: string, path: string, names: readonly string[]): string {
  const set = new Set(names);
  const candidates = [...new Set(names.map((n) => /^([^/]+)\/wsgi\.py$/.exec(n)?.[1]).filter((p): p is string => !!p))]
    .filter((p) => PACKAGE.test(p) && (set.has(`${p}/settings.py`) || set.has(`${p}/settings/__init__.py`)));
  if (candidates.length !== 1) {
    throw new InputError(flag, path, `${ALLOWED}; found ${candidates.length ? `several project packages (${candidates.sort().join(', ')})` : 'no top-level PACKAGE/wsgi.py beside PACKAGE/settings'}`,
      'point it at one Django project (its wsgi.py serves the app, its settings read the box\'s /etc/kiln/app.env)');
  }
  return candidates[0];
}

/** Files of a source dir, relative, sorted, without caches (what gets copied to the box). */
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

async function wheelNames(flag: string, path: string): Promise<string[]> {
  // Python's zipfile reads the archive exactly as pip will; argv only, never a shell.
  const r = await execa('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', path], { reject: false });
  if (r.exitCode !== 0) throw new InputError(flag, path, `${ALLOWED}; this file is not a readable zip archive`, 'build it with `pip wheel --no-deps DIR` or `python -m build --wheel`');
  return r.stdout.split('\n').filter(Boolean);
}

export async function resolveAppBuild(flag: string, value: string): Promise<AppBuild> {
  if (!value.trim()) throw new InputError(flag, value, ALLOWED, 'pass a path');
  const path = resolve(value);
  if (!existsSync(path)) throw new InputError(flag, value, `${ALLOWED}; nothing exists at ${path}`, 'pass an existing wheel file or project dir');
  const st = statSync(path);
  if (st.isFile()) {
    const name = basename(path);
    if (!WHEEL_NAME.test(name)) throw new InputError(flag, value, `${ALLOWED}; ${name} is not a wheel file name`, 'pass the .whl that `pip wheel --no-deps` built (file names are part of the wheel format)');
    const pkg = projectPackage(flag, value, await wheelNames(flag, path));
    return { kind: 'wheel', path, name, package: pkg, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  }
  if (!st.isDirectory()) throw new InputError(flag, value, ALLOWED, 'pass a regular file or directory');
  const files = sourceFiles(path);
  if (!files.includes('manage.py')) throw new InputError(flag, value, `${ALLOWED}; no manage.py in ${path}`, 'point it at the dir that holds manage.py');
  const pkg = projectPackage(flag, value, files);
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${createHash('sha256').update(readFileSync(join(path, f))).digest('hex')}\n`);
  return { kind: 'dir', path, name: basename(path), package: pkg, sha256: h.digest('hex') };
}
