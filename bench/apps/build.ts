/**
 * Builds the two third-party Django apps kiln's "your app in the image" feature is proven on, as a kiln
 * user would hand them over: a recipe (kiln.yaml), the app's source and a fully pinned requirements.txt.
 *
 * - wagtail: a project rendered from Wagtail's own project_template (what `wagtail start mysite` does:
 *   `django-admin startproject --template=<wagtail>/project_template --ext=html,rst --name=Dockerfile`),
 *   its production settings edited for configuration from the environment as Wagtail's docs describe.
 * - pretix: the pretix wheel from PyPI, repacked with one added module (kiln_pretix_settings, a settings
 *   shim that maps DATABASE_URL / SECRET_KEY / REDIS_URL onto pretix's PRETIX_* variables) under the local
 *   version label +kiln1; every other member byte-identical to PyPI's. Plus a demo-data fixture.
 *
 * opts.slowMs > 0 makes the same app with a sleep in the one view the traffic exercises most
 * (wagtail: search/views.py `search`; pretix: pretix/presale/views/event.py `EventIndex.get`).
 * Downloads are cached (and checked against pinned sha256s) under opts.cacheDir.
 * See bench/apps/README.md for versions, measurements and what an image must provide.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import YAML from 'yaml';

export type AppKind = 'wagtail' | 'pretix';
export const APP_KINDS: readonly AppKind[] = ['wagtail', 'pretix'];

export interface BuildOptions {
  /** > 0: inject time.sleep(slowMs / 1000) into the view the traffic exercises most. */
  slowMs?: number;
  /** Download cache (default <repo>/.kiln/cache/apps). */
  cacheDir?: string;
}

export interface BuiltApp {
  /** The kiln.yaml written. */
  recipePath: string;
  /** What kiln.yaml's `source:` names: the project directory (wagtail) or the wheel (pretix). */
  sourcePath: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const HOST_VENV = path.join(REPO, '.venv', 'bin');
const WHEEL_TOOL = path.join(HERE, 'wheel_tool.py');

/** The releases proven on CPython 3.13 (see README.md); the hashes are PyPI's. */
export const WHEELS = {
  wagtail: {
    requirement: 'wagtail==8.0.1',
    file: 'wagtail-8.0.1-py3-none-any.whl',
    sha256: '1e6ad5c7891a54efce1400e168298b5a2cc343b642cee89c31bf5ec30c98b26c',
  },
  pretix: {
    requirement: 'pretix==2026.8.0',
    file: 'pretix-2026.8.0-py3-none-any.whl',
    sha256: 'a78932e698778d873530d67f25a57c28d1c09b1bfb1a22ec817c00d90397db85',
  },
} as const;

/** Wagtail project name: also the unix user, database and role kiln creates for it. */
export const WAGTAIL_PROJECT = 'mysite';
/** pretix repacked: PyPI's version plus a local label saying kiln added a module. */
export const PRETIX_VERSION = '2026.8.0+kiln1';
export const PRETIX_WHEEL = `pretix-${PRETIX_VERSION}-py3-none-any.whl`;
export const PRETIX_SHIM_MODULE = 'kiln_pretix_settings';
/** Where the demo fixture sits in the repacked wheel (the shim adds it to FIXTURE_DIRS). */
export const PRETIX_FIXTURES = 'kiln_pretix_fixtures';

/** The member of each app the slowMs variant edits (relative to the project dir, or inside the wheel). */
export const SLOW_FILE: Record<AppKind, string> = {
  wagtail: 'search/views.py',
  pretix: 'pretix/presale/views/event.py',
};

const sha256File = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');

const exists = async (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** A PyPI wheel in the cache, downloaded for CPython 3.13 x86_64 when missing, checked against its pinned hash. */
async function fetchWheel(kind: AppKind, cacheDir: string): Promise<string> {
  const w = WHEELS[kind];
  const dest = path.join(cacheDir, w.file);
  if (await exists(dest)) {
    if ((await sha256File(dest)) === w.sha256) return dest;
    await rm(dest);
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(path.join(cacheDir, '.dl-'));
  try {
    await execa(path.join(HOST_VENV, 'python'), [
      '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:',
      '--python-version', '3.13', '--platform', 'manylinux2014_x86_64',
      '--dest', tmp, w.requirement,
    ], { env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const got = path.join(tmp, w.file);
    const sum = await sha256File(got);
    if (sum !== w.sha256) throw new Error(`${w.file}: sha256 ${sum}, expected ${w.sha256}`);
    await rename(got, dest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dest;
}

const wheelTool = (args: string[]) => execa(path.join(HOST_VENV, 'python'), [WHEEL_TOOL, ...args]);

/** Inserts `text` right after the first line matching `after` (searched from the line matching `from`, if given). */
function insertAfterLine(src: string, text: string, after: RegExp, from?: RegExp): string {
  const lines = src.split('\n');
  let i = from ? lines.findIndex((l) => from.test(l)) : 0;
  if (i < 0) throw new Error(`anchor ${from} not found`);
  while (i < lines.length && !after.test(lines[i])) i++;
  if (i >= lines.length) throw new Error(`anchor ${after} not found`);
  lines.splice(i + 1, 0, text);
  return lines.join('\n');
}

const sleepLine = (indent: string, slowMs: number) =>
  `${indent}__import__("time").sleep(${slowMs / 1000})  # kiln bench: slowMs=${slowMs}`;

function checkName(outDir: string, slowMs: number): void {
  if (!path.isAbsolute(outDir)) throw new Error(`outDir must be absolute: ${outDir}`);
  if (!Number.isFinite(slowMs) || slowMs < 0) throw new Error(`slowMs must be >= 0: ${slowMs}`);
}

async function emptyOutDir(outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
}

const REQUIREMENTS_HEADER = (what: string) =>
  `# ${what}: \`pip freeze\` of a CPython 3.13 (Debian 13) x86_64 venv that ran it; wheels only, no compiler.\n`;

async function writeRecipe(file: string, header: string, doc: unknown): Promise<void> {
  await writeFile(file, header + YAML.stringify(doc, { lineWidth: 0 }));
}

// ---------------------------------------------------------------------------------------------- wagtail

/** Wagtail's project_template rendered once per release (startproject writes a random dev SECRET_KEY: reuse it). */
async function renderedWagtail(cacheDir: string): Promise<string> {
  const wheel = await fetchWheel('wagtail', cacheDir);
  const done = path.join(cacheDir, `${WHEELS.wagtail.file.replace(/\.whl$/, '')}.${WAGTAIL_PROJECT}`);
  if (await exists(path.join(done, 'manage.py'))) return done;
  const work = await mkdtemp(path.join(cacheDir, '.render-'));
  try {
    const template = path.join(work, 'project_template');
    await wheelTool(['extract', wheel, 'wagtail/project_template', template]);
    const project = path.join(work, WAGTAIL_PROJECT);
    await mkdir(project);
    // What wagtail/bin/wagtail.py's `start` runs (it imports wagtail only to locate the template).
    const env = { ...process.env };
    delete env.DJANGO_SETTINGS_MODULE;
    await execa(path.join(HOST_VENV, 'django-admin'), [
      'startproject', `--template=${template}`, '--ext=html,rst', '--name=Dockerfile', WAGTAIL_PROJECT, project,
    ], { env, extendEnv: false });
    await rm(done, { recursive: true, force: true });
    await rename(project, done);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return done;
}

export const WAGTAIL_TRAFFIC = [
  { path: '/', weight: 6, status: 200 },
  { path: '/search/?query=home', weight: 3, status: 200, p99Ms: 400 },
  { path: '/admin/login/', weight: 1, status: 200 },
  { path: '/no-such-page/', weight: 1, status: 404 },
];

async function buildWagtail(outDir: string, slowMs: number, cacheDir: string): Promise<BuiltApp> {
  const rendered = await renderedWagtail(cacheDir);
  await emptyOutDir(outDir);
  await cp(rendered, outDir, { recursive: true });

  // Settings for the environment, inserted into the template's production.py before its `local` import.
  const prod = path.join(outDir, WAGTAIL_PROJECT, 'settings', 'production.py');
  const anchor = 'try:\n    from .local import *';
  const src = await readFile(prod, 'utf8');
  if (src.split(anchor).length !== 2) throw new Error(`${prod}: expected one "${anchor}"`);
  const block = await readFile(path.join(HERE, 'wagtail', 'production_env.py'), 'utf8');
  await writeFile(prod, src.replace(anchor, block + anchor));

  // The template's requirements.txt (Django>=6.1,<6.2 / wagtail>=8.0,<8.1) pinned, plus what production needs.
  const pinned = await readFile(path.join(HERE, 'wagtail', 'requirements.txt'), 'utf8');
  await writeFile(path.join(outDir, 'requirements.txt'),
    REQUIREMENTS_HEADER('Wagtail 8.0.1 project_template + gunicorn, psycopg[binary], dj-database-url, django-redis') + pinned);

  if (slowMs > 0) {
    const views = path.join(outDir, SLOW_FILE.wagtail);
    await writeFile(views, insertAfterLine(await readFile(views, 'utf8'), sleepLine('    ', slowMs), /^def search\(request\):/));
  }

  const recipePath = path.join(outDir, 'kiln.yaml');
  await writeRecipe(recipePath,
    '# A Wagtail 8.0.1 site from `wagtail start mysite` (wagtail\'s project_template), settings from the environment.\n', {
      app: {
        name: WAGTAIL_PROJECT,
        source: '.',
        requirements: 'requirements.txt',
        settings: `${WAGTAIL_PROJECT}.settings.production`,
        wsgi: `${WAGTAIL_PROJECT}.wsgi:application`,
        health: '/',
        static: true,
        staticUrl: '/static/',
        // The home page comes from the template's own migration; this fills the search index for /search/.
        seed: ['update_index'],
      },
      services: ['nginx', 'gunicorn', 'pgbouncer', 'postgres', 'redis'],
      // The site's own rate, not the tier's canary rate: on small (2 vCPUs) a warm worker served ~170 req/s flat out.
      traffic: { targetRps: WAGTAIL_RPS, endpoints: WAGTAIL_TRAFFIC },
    });
  return { recipePath, sourcePath: outDir };
}

// ----------------------------------------------------------------------------------------------- pretix

/** Requests per second each app's recipe asks for (traffic.targetRps). */
export const WAGTAIL_RPS = 60;
export const PRETIX_RPS = 15;

export const PRETIX_TRAFFIC = [
  { path: '/kiln/conf1/', weight: 4, status: 200, p99Ms: 600 },
  { path: '/kiln/conf2/', weight: 2, status: 200, p99Ms: 600 },
  { path: '/kiln/', weight: 2, status: 200 },
  { path: '/kiln/conf3/widget/product_list', weight: 2, status: 200 },
  { path: '/control/login', weight: 1, status: 200 },
  { path: '/kiln/conf1/no-such-page/', weight: 1, status: 404 },
];

async function buildPretix(outDir: string, slowMs: number, cacheDir: string): Promise<BuiltApp> {
  const pypiWheel = await fetchWheel('pretix', cacheDir);
  await emptyOutDir(outDir);
  const work = await mkdtemp(path.join(tmpdir(), 'kiln-pretix-'));
  try {
    // The shim and the demo fixture travel in the wheel: a wheel source ships nothing else into the image.
    const puts = ['--put', `${PRETIX_SHIM_MODULE}.py=${path.join(HERE, 'pretix', `${PRETIX_SHIM_MODULE}.py`)}`,
      '--put', `${PRETIX_FIXTURES}/demo.json=${path.join(HERE, 'pretix', 'demo.json')}`];
    if (slowMs > 0) {
      const { stdout } = await wheelTool(['read', pypiWheel, SLOW_FILE.pretix]);
      const edited = path.join(work, 'event.py');
      await writeFile(edited, insertAfterLine(stdout, sleepLine('        ', slowMs),
        /^ {4}def get\(self, request, \*args, \*\*kwargs\):/, /^class EventIndex\(/));
      puts.push('--put', `${SLOW_FILE.pretix}=${edited}`);
    }
    await wheelTool(['repack', pypiWheel, path.join(outDir, PRETIX_WHEEL), '--version', PRETIX_VERSION, ...puts]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const pinned = await readFile(path.join(HERE, 'pretix', 'requirements.txt'), 'utf8');
  await writeFile(path.join(outDir, 'requirements.txt'),
    REQUIREMENTS_HEADER('pretix 2026.8.0\'s dependencies (pretix itself is the source wheel) + gunicorn') + pinned);

  const recipePath = path.join(outDir, 'kiln.yaml');
  await writeRecipe(recipePath,
    '# pretix 2026.8.0 (ticket shop) from PyPI, plus kiln_pretix_settings: DATABASE_URL/SECRET_KEY/REDIS_URL -> PRETIX_*.\n', {
      app: {
        name: 'pretix',
        source: PRETIX_WHEEL,
        requirements: 'requirements.txt',
        settings: PRETIX_SHIM_MODULE,
        wsgi: 'pretix.wsgi:application',
        health: '/healthcheck/',
        static: true,
        staticUrl: '/static/',
        // One organizer "kiln", events conf1..conf3 with five products each (made with pretix's ORM, dumped);
        // the fixture is in the wheel, found through the shim's FIXTURE_DIRS.
        seed: ['loaddata', 'demo.json'],
        // pretix answers only for the host of its base URL: the shim takes it from ALLOWED_HOSTS, kiln's load sends it.
        domains: ['tickets.example.com'],
        env: {
          // pretix writes logs, media, cache and generated keys here: the image's writable app data dir.
          PRETIX_PRETIX_DATADIR: '/var/lib/kiln/app-data',
        },
      },
      services: ['nginx', 'gunicorn', 'pgbouncer', 'postgres', 'redis'],
      // The shop's own rate: its event pages cost tens of ms of CPU each.
      traffic: { targetRps: PRETIX_RPS, endpoints: PRETIX_TRAFFIC },
    });
  return { recipePath, sourcePath: path.join(outDir, PRETIX_WHEEL) };
}

// ---------------------------------------------------------------------------------------------- entry

export async function buildApp(kind: AppKind, outDir: string, opts: BuildOptions = {}): Promise<BuiltApp> {
  const slowMs = opts.slowMs ?? 0;
  checkName(outDir, slowMs);
  const cacheDir = path.resolve(opts.cacheDir ?? path.join(REPO, '.kiln', 'cache', 'apps'));
  switch (kind) {
    case 'wagtail': return buildWagtail(outDir, slowMs, cacheDir);
    case 'pretix': return buildPretix(outDir, slowMs, cacheDir);
    default: throw new Error(`unknown app kind: ${String(kind)}`);
  }
}

// `tsx bench/apps/build.ts <wagtail|pretix> <outDir> [slowMs]`
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [kind, out, slow] = process.argv.slice(2);
  if (!APP_KINDS.includes(kind as AppKind) || !out) {
    console.error('usage: tsx bench/apps/build.ts <wagtail|pretix> <outDir> [slowMs]');
    process.exit(2);
  }
  buildApp(kind as AppKind, path.resolve(out), { slowMs: slow ? Number(slow) : 0 })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
