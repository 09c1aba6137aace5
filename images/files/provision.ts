/**
 * Provisioning: the scripts a Packer shell provisioner (Ubuntu 24.04) or the local chroot (Debian 13, or 12) runs,
 * the distro profile they read as data, and the first-boot unit + script shipped in the image.
 */
import { readFileSync } from 'node:fs';
import { renderTemplate } from '../../templates/engine.ts';
import type { DistroProfile } from '../distro.ts';
import type { FileSpec } from '../render-types.ts';
import { APP_ROOT } from './app.ts';

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
const SAFE_VALUE = /^[A-Za-z0-9 ._:@\/+-]*$/;

/** profile.env: the only place provision.sh learns what differs per distro. Values are checked, then single-quoted. */
export function profileEnv(distro: DistroProfile): string {
  const vars: [string, string][] = [
    ['KILN_DISTRO', distro.id],
    ['KILN_PACKAGES', distro.packages.join(' ')],
    ['KILN_PACKAGE_UNITS', distro.packageUnits.join(' ')],
    ['KILN_PG_BIN_DIR', distro.pgBinDir],
    ['KILN_PG_CONF_DIR', distro.pgConfDir],
    ['KILN_PG_UNIT', distro.pgUnit],
    ['KILN_PYTHON', distro.pythonBin],
    ['KILN_APP_USER', APP_USER],
    ['KILN_APP_DIR', APP_ROOT],
    ['KILN_VENV', VENV],
    ['KILN_GROUP_FILES', GROUP_OWNED.join(' ')],
    ['KILN_STATE_DIRS', STATE_DIRS.join(' ')],
  ];
  const lines = vars.map(([k, v]) => {
    // Profile data is ours, but it still must not be able to become shell code.
    if (!SAFE_VALUE.test(v)) throw new Error(`kiln bug: distro profile value ${k}=${JSON.stringify(v)} has unsafe characters`);
    return `${k}='${v}'`;
  });
  return `# kiln distro profile ${distro.id} (${distro.codename}): sourced by provision.sh; generated, do not edit.\n${lines.join('\n')}\n`;
}

export const provisionFiles: FileSpec[] = [
  {
    role: 'provision',
    render: (ctx) => [
      { path: 'provision/provision.sh', mode: '0755', content: verbatim('provision/provision.sh') },
      { path: 'provision/hygiene.sh', mode: '0755', content: verbatim('provision/hygiene.sh') },
      { path: 'provision/profile.env', mode: '0644', content: profileEnv(ctx.distro) },
      { path: FIRSTBOOT_SCRIPT, mode: '0755', content: verbatim('firstboot/firstboot.py') },
      { path: FIRSTBOOT_SECRETS, mode: '0644', content: verbatim('firstboot/kiln_secrets.py') },
    ],
  },
  {
    role: 'systemd',
    render: (ctx) => [
      { path: FIRSTBOOT_UNIT, mode: '0644', content: renderTemplate('firstboot/kiln-firstboot.service.hbs', ctx.distro) },
      { path: SNAKEOIL_UNIT, mode: '0644', content: renderTemplate('firstboot/kiln-snakeoil.service.hbs', ctx.distro) },
    ],
  },
];
