/**
 * Builds both third-party apps (plain and slowMs) into a temp dir and checks what a kiln user would hand over:
 * the recipe's fields, its files, fully pinned requirements, and that the slow variant differs only where meant.
 * Downloads two wheels from PyPI on a cold cache (~50 MB); warm, it runs in well under a minute.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildApp, PRETIX_FIXTURES, PRETIX_SHIM_MODULE, PRETIX_VERSION, PRETIX_WHEEL, SLOW_FILE, WAGTAIL_PROJECT, WHEELS, type BuiltApp } from './build.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PY = path.resolve(HERE, '../../.venv/bin/python');
const NAME_RE = /^[a-z][a-z0-9_]{0,30}$/;
const SERVICES = ['nginx', 'gunicorn', 'pgbouncer', 'postgres', 'redis'];

let root: string;
const built: Record<string, BuiltApp> = {};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kiln-apps-'));
  // Sequential: the builds share the download cache, and the machine has two cores.
  for (const [key, kind, slowMs] of [
    ['wagtail', 'wagtail', 0], ['wagtail-slow', 'wagtail', 250], ['pretix', 'pretix', 0], ['pretix-slow', 'pretix', 250],
  ] as const) {
    built[key] = await buildApp(kind, path.join(root, key), { slowMs });
  }
}, 300_000);

afterAll(async () => { if (root) await rm(root, { recursive: true, force: true }); });

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...await listFiles(dir, r)); else out.push(r);
  }
  return out.sort();
}

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

/** name -> sha256 of each member of a wheel, read with the host's Python zipfile. */
async function wheelMembers(wheel: string): Promise<Record<string, string>> {
  const { stdout } = await execa(PY, ['-c', [
    'import hashlib, json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))',
  ].join('\n'), wheel]);
  return JSON.parse(stdout);
}

function checkRecipe(doc: any, recipeDir: string) {
  expect(doc.app.name).toMatch(NAME_RE);
  for (const k of ['source', 'requirements', 'settings', 'wsgi', 'health', 'staticUrl']) expect(typeof doc.app[k]).toBe('string');
  expect(doc.app.static).toBe(true);
  expect(doc.app.wsgi).toMatch(/^[a-z_][\w.]*:[a-z_]\w*$/i);
  expect(doc.app.health).toMatch(/^\//);
  expect(Array.isArray(doc.app.seed)).toBe(true);
  expect(doc.services).toEqual(SERVICES);
  expect(doc.traffic.endpoints.length).toBeGreaterThanOrEqual(3);
  expect(doc.traffic.endpoints.length).toBeLessThanOrEqual(6);
  for (const e of doc.traffic.endpoints) {
    expect(e.path).toMatch(/^\//);
    expect(e.weight).toBeGreaterThan(0);
    expect([200, 404]).toContain(e.status);
  }
  for (const v of Object.values(doc.app.env ?? {})) expect(typeof v).toBe('string');
  expect(path.resolve(recipeDir, doc.app.requirements)).toBe(path.join(recipeDir, 'requirements.txt'));
}

async function checkPinned(file: string, mustPin: string[]) {
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  expect(lines.length).toBeGreaterThan(10);
  for (const l of lines) expect(l).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[a-z0-9,_-]+\])?==[0-9][^\s;]*$/);
  const names = lines.map((l) => l.split('==')[0].toLowerCase());
  expect(new Set(names).size).toBe(names.length);
  for (const p of mustPin) expect(names).toContain(p);
}

describe('wagtail: a project from wagtail\'s own project_template', () => {
  it('has the rendered project, env-driven production settings and a recipe', async () => {
    const dir = built.wagtail.sourcePath;
    expect(built.wagtail.recipePath).toBe(path.join(dir, 'kiln.yaml'));
    const files = await listFiles(dir);
    for (const f of ['manage.py', 'requirements.txt', 'kiln.yaml', 'Dockerfile', 'home/models.py', 'search/views.py',
      `${WAGTAIL_PROJECT}/wsgi.py`, `${WAGTAIL_PROJECT}/urls.py`, `${WAGTAIL_PROJECT}/settings/base.py`,
      `${WAGTAIL_PROJECT}/settings/production.py`, 'home/migrations/0002_create_homepage.py']) expect(files).toContain(f);
    expect(files.some((f) => f.endsWith('-tpl') || f.includes('project_name'))).toBe(false);
    expect(await readFile(path.join(dir, 'home/templates/home/home_page.html'), 'utf8')).toContain('{% extends "base.html" %}');
    const prod = await readFile(path.join(dir, WAGTAIL_PROJECT, 'settings/production.py'), 'utf8');
    expect(prod.indexOf('from .base import *')).toBeLessThan(prod.indexOf('dj_database_url.config('));
    expect(prod.indexOf('dj_database_url.config(')).toBeLessThan(prod.indexOf('from .local import *'));
    for (const s of ['SECRET_KEY = os.environ["SECRET_KEY"]', 'os.getenv("ALLOWED_HOSTS", "*").split(",")', 'disable_server_side_cursors=True',
      '"django.contrib.postgres"', 'os.environ["REDIS_URL"]', 'ManifestStaticFilesStorage']) expect(prod).toContain(s);
    expect(prod).not.toMatch(/^SECURE_SSL_REDIRECT/m);
  });

  it('recipe parses with the fields kiln reads', async () => {
    const doc = YAML.parse(await readFile(built.wagtail.recipePath, 'utf8'));
    checkRecipe(doc, built.wagtail.sourcePath);
    expect(doc.app).toMatchObject({ name: WAGTAIL_PROJECT, source: '.', settings: `${WAGTAIL_PROJECT}.settings.production`,
      wsgi: `${WAGTAIL_PROJECT}.wsgi:application`, seed: ['update_index'] });
    expect(doc.traffic.endpoints.map((e: any) => e.path)).toContain('/search/?query=home');
  });

  it('requirements are pinned with == and keep the template\'s Django/wagtail ranges', async () => {
    const file = path.join(built.wagtail.sourcePath, 'requirements.txt');
    await checkPinned(file, ['django', 'wagtail', 'gunicorn', 'psycopg', 'psycopg-binary', 'dj-database-url', 'django-redis']);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^Django==6\.1\.\d+$/m);
    expect(text).toMatch(/^wagtail==8\.0\.1$/m);
  });

  it('slowMs changes only search/views.py, by one sleep line', async () => {
    const [a, b] = [built.wagtail.sourcePath, built['wagtail-slow'].sourcePath];
    const [fa, fb] = [await listFiles(a), await listFiles(b)];
    expect(fb).toEqual(fa);
    const differ: string[] = [];
    for (const f of fa) if ((await sha(path.join(a, f))) !== (await sha(path.join(b, f)))) differ.push(f);
    expect(differ).toEqual([SLOW_FILE.wagtail]);
    const plain = (await readFile(path.join(a, SLOW_FILE.wagtail), 'utf8')).split('\n');
    const slow = (await readFile(path.join(b, SLOW_FILE.wagtail), 'utf8')).split('\n');
    const added = slow.filter((l) => !plain.includes(l));
    expect(added).toEqual(['    __import__("time").sleep(0.25)  # kiln bench: slowMs=250']);
    expect(slow[slow.indexOf(added[0]) - 1]).toBe('def search(request):');
  });
});

describe('pretix: a full application from PyPI', () => {
  it('holds the recipe, the repacked wheel, pinned requirements and the seed fixture', async () => {
    const dir = path.dirname(built.pretix.recipePath);
    expect(built.pretix.sourcePath).toBe(path.join(dir, PRETIX_WHEEL));
    expect(await listFiles(dir)).toEqual(['kiln.yaml', PRETIX_WHEEL, 'requirements.txt'].sort());
    // The seed's fixture is in the wheel (a wheel source ships nothing else), where the shim's FIXTURE_DIRS points.
    const { stdout: text } = await execa(PY, ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())', built.pretix.sourcePath, `${PRETIX_FIXTURES}/demo.json`]);
    const fixture = JSON.parse(text);
    expect(fixture.filter((o: any) => o.model === 'pretixbase.event').map((o: any) => o.fields.slug).sort()).toEqual(['conf1', 'conf2', 'conf3']);
    expect(fixture.filter((o: any) => o.model === 'pretixbase.item')).toHaveLength(15);
  });

  it('recipe parses with the fields kiln reads', async () => {
    const dir = path.dirname(built.pretix.recipePath);
    const doc = YAML.parse(await readFile(built.pretix.recipePath, 'utf8'));
    checkRecipe(doc, dir);
    expect(doc.app).toMatchObject({ name: 'pretix', source: PRETIX_WHEEL, settings: PRETIX_SHIM_MODULE,
      wsgi: 'pretix.wsgi:application', health: '/healthcheck/', seed: ['loaddata', 'demo.json'] });
    expect(path.resolve(dir, doc.app.source)).toBe(built.pretix.sourcePath);
    expect(doc.app.env.PRETIX_PRETIX_DATADIR).toMatch(/^\//);
  });

  it('requirements pin every dependency with == (pretix itself is the wheel)', async () => {
    const file = path.join(path.dirname(built.pretix.recipePath), 'requirements.txt');
    await checkPinned(file, ['django', 'gunicorn', 'psycopg2-binary', 'django-redis', 'celery']);
    expect(await readFile(file, 'utf8')).not.toMatch(/^pretix==/m);
  });

  it('the wheel is PyPI\'s plus the settings shim and the demo fixture, under a +kiln1 version, with a RECORD that matches', async () => {
    const pypi = await wheelMembers(path.resolve(HERE, '../../.kiln/cache/apps', WHEELS.pretix.file)).catch(() => null);
    const ours = await wheelMembers(built.pretix.sourcePath);
    const di = `pretix-${PRETIX_VERSION}.dist-info`;
    expect(ours[`${PRETIX_SHIM_MODULE}.py`]).toBe(await sha(path.join(HERE, 'pretix', `${PRETIX_SHIM_MODULE}.py`)));
    expect(Object.keys(ours).filter((n) => n.endsWith('.dist-info/METADATA'))).toEqual([`${di}/METADATA`]);
    if (pypi) { // the default cache: compare member by member
      const renamed = Object.fromEntries(Object.entries(pypi).map(([k, v]) => [k.replace(/^pretix-2026\.8\.0\.dist-info\//, `${di}/`), v]));
      const added = [`${PRETIX_SHIM_MODULE}.py`, `${PRETIX_FIXTURES}/demo.json`];
      expect(Object.keys(ours).filter((n) => !(n in renamed)).sort()).toEqual(added.sort());
      const changed = Object.keys(ours).filter((n) => !added.includes(n) && ours[n] !== renamed[n]);
      expect(changed.sort()).toEqual([`${di}/METADATA`, `${di}/RECORD`]);
    }
    // RECORD lists every other member with its sha256 and size, as pip verifies on install.
    const { stdout } = await execa(PY, ['-c', [
      'import base64, csv, hashlib, io, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1]); di = sys.argv[2]',
      'rows = list(csv.reader(io.StringIO(z.read(di + "/RECORD").decode())))',
      'names = set(z.namelist()); bad = []',
      'for name, h, size in rows:',
      '    if name == di + "/RECORD": continue',
      '    d = z.read(name)',
      '    if h != "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode() or int(size) != len(d): bad.append(name)',
      'print(len(rows), len(names), bad, [l for l in z.read(di + "/METADATA").decode().splitlines() if l.startswith("Version:")])',
    ].join('\n'), built.pretix.sourcePath, di]);
    const [rows, names] = stdout.split(' ').map(Number);
    expect(rows).toBe(names);
    expect(stdout).toContain(`[] ['Version: ${PRETIX_VERSION}']`);
  });

  it('slowMs changes only the event page view (and RECORD), by one sleep line', async () => {
    const [a, b] = [await wheelMembers(built.pretix.sourcePath), await wheelMembers(built['pretix-slow'].sourcePath)];
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    const differ = Object.keys(a).filter((n) => a[n] !== b[n]).sort();
    expect(differ).toEqual([`pretix-${PRETIX_VERSION}.dist-info/RECORD`, SLOW_FILE.pretix].sort());
    for (const f of ['kiln.yaml', 'requirements.txt']) {
      expect(await sha(path.join(path.dirname(built['pretix-slow'].recipePath), f))).toBe(await sha(path.join(path.dirname(built.pretix.recipePath), f)));
    }
    const { stdout } = await execa(PY, ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())',
      built['pretix-slow'].sourcePath, SLOW_FILE.pretix]);
    const lines = stdout.split('\n');
    const i = lines.indexOf('        __import__("time").sleep(0.25)  # kiln bench: slowMs=250');
    expect(i).toBeGreaterThan(0);
    expect(lines[i - 1]).toBe('    def get(self, request, *args, **kwargs):');
    expect(lines.slice(0, i).reverse().find((l) => l.startsWith('class '))).toMatch(/^class EventIndex\(/);
    expect((await stat(built['pretix-slow'].sourcePath)).size).toBeGreaterThan(10_000_000);
  });
});
