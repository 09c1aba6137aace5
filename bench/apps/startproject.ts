/**
 * A site from Django's own project template (`django-admin startproject`), its settings edited for env-based
 * config as Django's deployment checklist and dj-database-url's README describe, plus its kiln.yaml. Small and
 * quick to bake: the tests' team app. `regressLogin` wraps the admin login view with a regression to catch: a sleep,
 * CPU busy work, or memory kept per worker.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../targets/local/paths.ts';

/** The project's pinned runtime; Django at the canary's pin, so the host's django-admin renders the same template. */
export const STARTPROJECT_REQUIREMENTS = ['Django==5.2.19', 'dj-database-url==2.3.0', 'psycopg[binary]==3.2.12'];

const SETTINGS_TAIL = `
# Deployment (Django's deployment checklist): configuration from the environment; the database from
# DATABASE_URL as dj-database-url's README shows.
import os

import dj_database_url

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").split(",")
DATABASES = {"default": dj_database_url.config(conn_max_age=0)}
STATIC_ROOT = BASE_DIR / "staticfiles"
`;

/** What a regressed build does in its login view, each the kind of change a gate must catch. */
export interface LoginRegression {
  /** Waits this long (latency, no CPU). */
  sleepMs?: number;
  /** Spins this much of the thread's own CPU time per request (efficiency: more CPU per request). */
  busyMs?: number;
  /** Keeps this much memory, touched, per worker process from its first login request on (a bigger footprint). */
  retainMiB?: number;
}

const LOGIN_URLS = (r: LoginRegression) => {
  const body = [
    ...(r.retainMiB
      ? [
          '    with _RETAIN_LOCK:',
          '        if not _RETAINED:',
          `            _RETAINED.append(b"\\x01" * (${r.retainMiB} << 20))`,
        ]
      : []),
    ...(r.busyMs
      ? [`    until = time.thread_time() + ${r.busyMs / 1000}`, '    while time.thread_time() < until:', '        pass']
      : []),
    ...(r.sleepMs ? [`    time.sleep(${r.sleepMs / 1000})`] : []),
  ];
  const what = [
    r.sleepMs && `waits ${r.sleepMs} ms`,
    r.busyMs && `spins ${r.busyMs} ms of its thread's CPU`,
    r.retainMiB && `keeps ${r.retainMiB} MiB per worker`,
  ].filter(Boolean);
  return `
# A regression for the gate to catch: the login view ${what.join(', ')}.
import threading
import time

from django.contrib import admin as _admin

_RETAINED = []
_RETAIN_LOCK = threading.Lock()


def _regressed_login(request, *args, **kwargs):
${body.join('\n')}
    return _admin.site.login(request, *args, **kwargs)


urlpatterns.insert(0, path("admin/login/", _regressed_login))
`;
};

const KILN_YAML = (name: string) => `# kiln recipe of a site from Django's own project template
app:
  name: ${name}
  source: .
  requirements: requirements.txt
  settings: ${name}.settings
  health: /admin/login/
traffic:
  endpoints:
    - { path: /admin/login/, weight: 5 }
    - { path: /static/admin/css/base.css, weight: 3 }
    - { path: /no-such-page/, weight: 2, status: 404 }
`;

export interface StartprojectOptions { name?: string; slowMs?: number; marker?: string }

/** Makes the project's login view regress as `r` says (a copy of a generated project: same code otherwise). */
export async function regressLogin(projectDir: string, name: string, r: LoginRegression): Promise<void> {
  const urls = join(projectDir, name, 'urls.py');
  await writeFile(urls, `${await readFile(urls, 'utf8')}${LOGIN_URLS(r)}`);
}

/** Makes the project's login view wait `ms`. */
export const slowLogin = (projectDir: string, name: string, ms: number): Promise<void> => regressLogin(projectDir, name, { sleepMs: ms });

/** Writes the project into `outDir` (replaced) and returns its kiln.yaml path. */
export async function startprojectSite(outDir: string, opts: StartprojectOptions = {}): Promise<string> {
  const name = opts.name ?? 'mysite';
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await execa(join(REPO_ROOT, '.venv/bin/django-admin'), ['startproject', name, outDir]);
  const settings = join(outDir, name, 'settings.py');
  await writeFile(settings, `${await readFile(settings, 'utf8')}${SETTINGS_TAIL}${opts.marker ? `# ${opts.marker}\n` : ''}`);
  if (opts.slowMs) await slowLogin(outDir, name, opts.slowMs);
  await writeFile(join(outDir, 'requirements.txt'), `${STARTPROJECT_REQUIREMENTS.join('\n')}\n`);
  const recipe = join(outDir, 'kiln.yaml');
  await writeFile(recipe, KILN_YAML(name));
  return recipe;
}
