/**
 * The app in the image: its description for provisioning and first boot (/etc/kiln/app.json), and, for the
 * canary, its files. A team's app arrives as a payload beside the render (the bundle's app/ dir), not as rendered files.
 */
import { readFileSync } from 'node:fs';
import type { FileSpec, RenderContext } from '../render-types.ts';

const APP_DIR = new URL('../app/', import.meta.url);
/** Image path of the app's code (a project dir), and gunicorn's working dir for every kind of source. */
export const APP_ROOT = '/opt/kiln/app';
/** What provisioning and first boot read about the app: data, never code. */
export const APP_CONFIG = '/etc/kiln/app.json';
/** nginx serves the app's static files from here; provisioning points it at the STATIC_ROOT collectstatic filled. */
export const STATIC_LINK = '/opt/kiln/static';
/** Writable by the app user only (uploads, caches); the code dir stays read-only. */
export const APP_DATA_DIR = '/var/lib/kiln/app-data';

// The app's files are part of the program (read once), listed so the manifest is deterministic.
const SOURCES = [
  'requirements.txt',
  'canary/manage.py',
  'canary/kiln_canary/__init__.py',
  'canary/kiln_canary/settings.py',
  'canary/kiln_canary/urls.py',
  'canary/kiln_canary/views.py',
  'canary/kiln_canary/models.py',
  'canary/kiln_canary/wsgi.py',
  'canary/kiln_canary/migrations/__init__.py',
  'canary/kiln_canary/migrations/0001_initial.py',
  'canary/kiln_canary/management/__init__.py',
  'canary/kiln_canary/management/commands/__init__.py',
  'canary/kiln_canary/management/commands/seed_canary.py',
  'canary/static/canary.css',
] as const;

/** The canary seeds its own probe data at first boot: every box of the base image serves its endpoints at once. */
const CANARY_BOOT_COMMANDS = [['seed_canary']];

const read = (rel: string) => readFileSync(new URL(rel, APP_DIR), 'utf8');

/** /etc/kiln/app.json: how provisioning installs the app and how first boot and gunicorn run it. */
export interface AppConfig {
  name: string;
  kind: 'canary' | 'dir' | 'wheel';
  settings: string;
  wsgi: string;
  /** gunicorn's working dir and the import root of a project dir. */
  chdir: string;
  /** null: the app has no static files. */
  staticUrl: string | null;
  /** collectstatic at bake (a team's app); the canary ships its static dir as it is. */
  collectstatic: boolean;
  /** manage.py commands first boot runs after migrate, on every instance. */
  bootCommands: string[][];
  /** Names of the secrets first boot resolves (values never in the image). */
  secrets: string[];
  /** The services the image runs: first boot makes a database role only when PostgreSQL is one of them. */
  services: string[];
  /** A wheel source's distribution name (as pip records it); null for a project dir or the canary. */
  distribution: string | null;
  dataDir: string;
}

export function appConfig(ctx: RenderContext): AppConfig {
  const app = ctx.recipe.app;
  const canary = app.source.kind === 'canary';
  return {
    name: app.name,
    kind: app.source.kind,
    settings: app.settings,
    wsgi: app.wsgi,
    chdir: APP_ROOT,
    staticUrl: app.staticUrl,
    collectstatic: !canary && app.staticUrl !== null,
    bootCommands: canary ? CANARY_BOOT_COMMANDS : [],
    secrets: [...app.secrets].sort(),
    services: [...ctx.recipe.services],
    // PEP 427: the file name starts with the distribution name, `-` in it written as `_`.
    distribution: app.source.kind === 'wheel' ? app.source.path.split('/').pop()!.split('-')[0]!.toLowerCase() : null,
    dataDir: APP_DATA_DIR,
  };
}

export const appFiles: FileSpec[] = [
  {
    role: 'app',
    render: (ctx) => [
      { path: APP_CONFIG, mode: '0644', content: `${JSON.stringify(appConfig(ctx), null, 2)}\n` },
      ...(ctx.recipe.app.source.kind === 'canary'
        ? SOURCES.map((rel) => ({
            path: `${APP_ROOT}/${rel.replace(/^canary\//, '')}`,
            mode: rel.endsWith('manage.py') ? '0755' : '0644',
            content: read(rel),
          }))
        : []),
    ],
  },
];
