/** The canary Django app the verification suite loads: shipped as files, installed into the image's venv. */
import { readFileSync } from 'node:fs';
import type { FileSpec } from '../render-types.ts';

const APP_DIR = new URL('../app/', import.meta.url);
/** Image path of the app; the venv sits beside it. */
export const APP_ROOT = '/opt/kiln/app';

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

const read = (rel: string) => readFileSync(new URL(rel, APP_DIR), 'utf8');

export const appFiles: FileSpec[] = [
  {
    role: 'app',
    render: () => SOURCES.map((rel) => ({
      path: `${APP_ROOT}/${rel.replace(/^canary\//, '')}`,
      mode: rel.endsWith('manage.py') ? '0755' : '0644',
      content: read(rel),
    })),
  },
];
