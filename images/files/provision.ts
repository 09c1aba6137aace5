/**
 * Provisioning: the scripts a Packer shell provisioner (Ubuntu 24.04) or the local chroot (Debian 13, or 12) runs,
 * the distro profile they read as data, and the first-boot unit + script shipped in the image.
 */
import { readFileSync } from 'node:fs';
import { renderTemplate } from '../../templates/engine.ts';
import { packagesFor, type DistroProfile } from '../distro.ts';
import { SERVICE_NAMES } from '../web.ts';
import type { FileSpec } from '../render-types.ts';
import { APP_DATA_DIR, APP_ROOT, STATIC_LINK } from './app.ts';
import type { RenderContext } from '../render-types.ts';

export const APP_USER = 'kiln-app';
export const VENV = '/opt/kiln/venv';
export const FIRSTBOOT_SCRIPT = '/usr/local/lib/kiln/firstboot.py';
// Imported by firstboot.py from its own directory (python3 puts the script's directory first on sys.path).
export const FIRSTBOOT_SECRETS = '/usr/local/lib/kiln/kiln_secrets.py';
export const FIRSTBOOT_UNIT = '/etc/systemd/system/kiln-firstboot.service';
export const SNAKEOIL_UNIT = '/etc/systemd/system/kiln-snakeoil.service';

/** Files a service reads as its own group (render modes keep them from others): group:path. */
export const GROUP_OWNED = ['redis:/etc/redis/redis.conf', 'postgres:/etc/pgbouncer/pgbouncer.ini'];
/** Directories first boot writes into. */
export const STATE_DIRS = ['/etc/kiln', '/var/lib/kiln'];

const verbatim = (name: string) => readFileSync(new URL(`../../templates/${name}`, import.meta.url), 'utf8');
const SAFE_VALUE = /^[A-Za-z0-9 ._:@/+-]*$/;

/** profile.env: the only place provision.sh learns what differs per distro. Values are checked, then single-quoted. */
export function profileEnv(distro: DistroProfile, services: readonly string[] = SERVICE_NAMES): string {
  const pk = packagesFor(distro, services);
  const vars: [string, string][] = [
    ['KILN_DISTRO', distro.id],
    ['KILN_PACKAGES', pk.packages.join(' ')],
    ['KILN_PACKAGE_UNITS', pk.units.join(' ')],
    // A release layer on a base that runs more: these go (a recipe without its own database or cache).
    ['KILN_REMOVED_PACKAGES', pk.removedPackages.join(' ')],
    ['KILN_REMOVED_UNITS', pk.removedUnits.join(' ')],
    // The base's resident services and timers a web server does not need (its memory is the OS share's).
    ['KILN_TRIM_PACKAGES', distro.trim.packages.join(' ')],
    ['KILN_TRIM_UNITS', distro.trim.units.join(' ')],
    ['KILN_PG_BIN_DIR', distro.pgBinDir],
    ['KILN_PG_CONF_DIR', distro.pgConfDir],
    ['KILN_PG_UNIT', distro.pgUnit],
    ['KILN_PYTHON', distro.pythonBin],
    ['KILN_APP_USER', APP_USER],
    ['KILN_APP_DIR', APP_ROOT],
    ['KILN_VENV', VENV],
    ['KILN_GROUP_FILES', GROUP_OWNED.join(' ')],
    ['KILN_STATE_DIRS', STATE_DIRS.join(' ')],
    ['KILN_APP_DATA_DIR', APP_DATA_DIR],
    ['KILN_STATIC_LINK', STATIC_LINK],
  ];
  const lines = vars.map(([k, v]) => {
    // Profile data is ours, but it still must not be able to become shell code.
    if (!SAFE_VALUE.test(v)) throw new Error(`kiln bug: distro profile value ${k}=${JSON.stringify(v)} has unsafe characters`);
    return `${k}='${v}'`;
  });
  return `# kiln distro profile ${distro.id} (${distro.codename}): sourced by provision.sh; generated, do not edit.\n${lines.join('\n')}\n`;
}

/** Stands in at bake for what the box makes at first boot: the app's settings import without any real secret. */
const BAKE_ONLY = 'kiln-bake-only-not-a-secret';

/**
 * The environment the app's settings are imported with at bake (collectstatic): the recipe's non-secret env, the
 * names the image gives the app with throwaway values (no database is reachable at bake), and empty declared secrets.
 */
export function buildEnv(ctx: RenderContext): Record<string, string> {
  const app = ctx.recipe.app;
  const env: Record<string, string> = {
    ...Object.fromEntries(app.secrets.map((name) => [name, ''])),
    ...app.env,
    DATABASE_URL: `postgres://${app.name}:${BAKE_ONLY}@127.0.0.1:9/${app.name}`,
    REDIS_URL: 'redis://127.0.0.1:9/0',
    SECRET_KEY: BAKE_ONLY,
    ALLOWED_HOSTS: 'localhost',
    KILN_SECRET_KEY: BAKE_ONLY,
    KILN_STATIC_LINK: STATIC_LINK,
  };
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const provisionFiles: FileSpec[] = [
  {
    role: 'provision',
    render: (ctx) => [
      { path: 'provision/provision.sh', mode: '0755', content: verbatim('provision/provision.sh') },
      { path: 'provision/hygiene.sh', mode: '0755', content: verbatim('provision/hygiene.sh') },
      { path: 'provision/profile.env', mode: '0644', content: profileEnv(ctx.distro, ctx.recipe.services) },
      { path: 'provision/app_build.py', mode: '0644', content: verbatim('provision/app_build.py') },
      { path: 'provision/build-env.json', mode: '0644', content: `${JSON.stringify(buildEnv(ctx), null, 2)}\n` },
      { path: FIRSTBOOT_SCRIPT, mode: '0755', content: verbatim('firstboot/firstboot.py') },
      { path: FIRSTBOOT_SECRETS, mode: '0644', content: verbatim('firstboot/kiln_secrets.py') },
    ],
  },
  {
    role: 'systemd',
    render: (ctx) => [
      {
        path: FIRSTBOOT_UNIT,
        mode: '0644',
        content: renderTemplate('firstboot/kiln-firstboot.service.hbs', {
          ...ctx.distro,
          localDb: ctx.recipe.services.includes('postgres'),
          before: ctx.recipe.services.includes('pgbouncer') ? 'pgbouncer.service kiln-app.service' : 'kiln-app.service',
        }),
      },
      { path: SNAKEOIL_UNIT, mode: '0644', content: renderTemplate('firstboot/kiln-snakeoil.service.hbs', ctx.distro) },
    ],
  },
];
