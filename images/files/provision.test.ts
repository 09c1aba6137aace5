import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DISTROS } from '../distro.ts';
import { render } from '../render.ts';
import { BUILTIN_TIERS } from '../tiers.ts';
import { WEB } from '../web.ts';
import { FIRSTBOOT_UNIT, profileEnv } from './provision.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const file = (distro: keyof typeof DISTROS, path: string) => render(nano, WEB, DISTROS[distro]).files.find((f) => f.path === path)!;

/** profile.env as bash sees it after sourcing (exported, then dumped NUL-separated). */
const sourced = (text: string): Record<string, string> =>
  Object.fromEntries(
    execFileSync('bash', ['--norc', '-c', 'set -a; . <(printf "%s" "$1"); exec env -0', 'sh', text], {
      encoding: 'utf8',
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\0')
      .filter((kv) => kv.startsWith('KILN_'))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

describe('provisioning render', () => {
  it('profile.env carries what differs per distro, as data bash reads back exactly', () => {
    for (const d of Object.values(DISTROS)) {
      const env = sourced(profileEnv(d));
      expect(env).toMatchObject({
        KILN_DISTRO: d.id,
        KILN_PACKAGES: d.packages.join(' '),
        KILN_PG_BIN_DIR: d.pgBinDir,
        KILN_PG_UNIT: d.pgUnit,
        KILN_VENV: '/opt/kiln/venv',
      });
    }
    expect(sourced(profileEnv(DISTROS.debian12)).KILN_PACKAGES).toMatch(/postgresql-15 .*nginx-light/);
    expect(sourced(profileEnv(DISTROS.ubuntu2404)).KILN_PACKAGES).toMatch(/postgresql-16 .*nginx python3-boto3/);
    // trixie's nginx-light is only a metapackage (nginx + the echo module): the image takes nginx itself.
    expect(sourced(profileEnv(DISTROS.debian13)).KILN_PACKAGES).toMatch(/postgresql-17 .* nginx$/);
    expect(() => profileEnv({ ...DISTROS.debian12, packages: ["x'; rm -rf / #"] })).toThrow(/unsafe characters/);
  });

  it('an image of fewer services installs and enables only theirs, and a release layer on a full base removes the rest', () => {
    const env = sourced(profileEnv(DISTROS.debian13, ['nginx', 'gunicorn', 'redis']));
    expect(env.KILN_PACKAGES).not.toMatch(/postgresql|pgbouncer/);
    expect(env.KILN_PACKAGES).toMatch(/redis-server .*nginx$/);
    expect(env.KILN_PACKAGE_UNITS).toBe('redis-server.service nginx.service');
    expect(env.KILN_REMOVED_PACKAGES).toBe('postgresql-17 postgresql-client-common pgbouncer');
    expect(env.KILN_REMOVED_UNITS).toBe('postgresql.service pgbouncer.service');
    expect(sourced(profileEnv(DISTROS.debian13)).KILN_REMOVED_PACKAGES).toBe('');
    // Ubuntu's resident services a web server does not need go; the Debian images have none, only timers to mask.
    expect(sourced(profileEnv(DISTROS.ubuntu2404)).KILN_TRIM_PACKAGES).toMatch(/^snapd multipath-tools udisks2 /);
    expect(sourced(profileEnv(DISTROS.debian13)).KILN_TRIM_PACKAGES).toBe('');
    expect(sourced(profileEnv(DISTROS.debian13)).KILN_TRIM_UNITS).toContain('apt-daily.timer');
    const noDb = { ...WEB, services: ['nginx', 'gunicorn', 'redis'] as const, app: { ...WEB.app, secrets: ['DATABASE_URL'] } };
    const unit = render(nano, { ...noDb, services: [...noDb.services] }, DISTROS.debian13).files.find(
      (f) => f.path === FIRSTBOOT_UNIT,
    )!.content;
    expect(unit).not.toMatch(/postgresql/);
    expect(unit).toMatch(/^Before=kiln-app\.service$/m);
  });

  it('the scripts are the same for both distros and never branch on a distro name', () => {
    for (const path of [
      'provision/provision.sh',
      'provision/hygiene.sh',
      '/usr/local/lib/kiln/firstboot.py',
      '/usr/local/lib/kiln/kiln_secrets.py',
    ]) {
      const a = file('debian12', path).content;
      expect(file('ubuntu2404', path).content).toBe(a);
      // Comments may name releases; no test or case may branch on one.
      expect(a).not.toMatch(/\b(if|elif|case|\[)\b[^\n]*(ubuntu|debian|noble|bookworm|KILN_DISTRO)/i);
    }
    expect(file('debian12', 'provision/provision.sh').mode).toBe('0755');
  });

  it('first boot waits for write_files in the unit each cloud-init release runs it in (25.1 on trixie has no cloud-init.service)', () => {
    expect([DISTROS.debian12, DISTROS.ubuntu2404, DISTROS.debian13].map((d) => d.cloudInitNetworkUnit)).toEqual([
      'cloud-init.service',
      'cloud-init.service',
      'cloud-init-network.service',
    ]);
  });

  it("the first-boot unit runs after its distro's Postgres cluster and cloud-init, before PgBouncer and the app, once", () => {
    for (const d of Object.values(DISTROS)) {
      const unit = file(d.id, FIRSTBOOT_UNIT).content;
      expect(unit).toContain(`Requires=${d.pgUnit}\n`);
      expect(unit).toContain(`After=${d.pgUnit} ${d.cloudInitNetworkUnit}\n`);
      expect(unit).toContain('Before=pgbouncer.service kiln-app.service\n');
      expect(unit).toContain('ConditionPathExists=!/var/lib/kiln/firstboot.done\n');
      expect(unit).toMatch(/Type=oneshot\nRemainAfterExit=yes\n/);
    }
  });
});

describe('no secret is baked into the image or the user data', () => {
  // Names first boot generates or fetches; a rendered file may mention them, never assign them a value.
  const ASSIGNED = /KILN_(DB_PASSWORD|SECRET_KEY)\s*[=:]\s*["']?[^\s"',)]/;
  const SECRET_SHAPES = [/SCRAM-SHA-256\$\d+:/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /AKIA[0-9A-Z]{16}/, /md5[0-9a-f]{32}/];
  for (const tier of BUILTIN_TIERS) {
    for (const d of Object.values(DISTROS)) {
      it(`${tier.name}/${d.id}`, () => {
        const r = render(tier, WEB, d);
        for (const f of r.files) {
          expect(ASSIGNED.test(f.content), `${f.path} assigns a boot-time secret`).toBe(false);
          for (const re of SECRET_SHAPES) expect(re.test(f.content), `${f.path} holds ${re}`).toBe(false);
        }
        expect(
          r.files.some((f) => /userlist\.txt$|app\.env$|boot\.json$/.test(f.path)),
          'per-instance files are written at boot',
        ).toBe(false);
        const ud = r.files.find((f) => f.path === 'cloud-init/user-data')!.content;
        const boot = JSON.parse(JSON.parse(/content: ("(?:[^"\\]|\\.)*")/.exec(ud)![1]) as string) as {
          secrets: { source: string; parameters?: Record<string, string> };
        };
        expect(Object.keys(boot.secrets).sort()).toEqual(d.secretSource === 'ssm' ? ['parameters', 'source'] : ['source']);
        for (const name of Object.values(boot.secrets.parameters ?? {}))
          expect(name.startsWith(`/kiln/${tier.name}/app/`), name).toBe(true);
      });
    }
  }
});
