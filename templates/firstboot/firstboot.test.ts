/**
 * firstboot.py for real: a scratch PostgreSQL 15 cluster and PgBouncer from Debian's packages on loopback,
 * secrets from SSM in moto's server, the canary app's migrations from the rendered bundle. The app then
 * logs in THROUGH PgBouncer with the password from app.env: the verifier in the userlist must be right.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConfig, bootJson } from '../../images/cloud-init/boot-config.ts';
import { DISTROS } from '../../images/distro.ts';
import { render } from '../../images/render.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import { startMoto, type Moto } from '../../targets/aws/moto.testkit.ts';
import { writeBundle } from '../../pipeline/bundle/write-bundle.ts';

const repo = resolve(import.meta.dirname, '../..');
const PY = join(repo, '.venv/bin/python');
const PG_BIN = `/usr/lib/postgresql/${DISTROS.debian12.pgMajor}/bin`;
const HOSTILE_ENV = {
  APP_NO: 'no',
  APP_DATE: '2024-01-01',
  APP_SHELL: '$(touch /tmp/pwned) `id` ${HOME} "q" \'s\' \\',
  APP_MULTI: 'line1\nline2\n',
  APP_EMPTY: '',
};
const SECRET_KEY = 'ssm-secret with $dollar "quotes" `ticks` and \\ backslash';

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const s = createServer()
      .once('error', fail)
      .listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => ok(port));
      });
  });

let tmp: string, root: string, sock: string, bundle: string, pgPort: number;
let moto: Moto | undefined;
const children: ChildProcess[] = [];
let pgUid = 0,
  pgGid = 0;

function startAs(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { uid: pgUid, gid: pgGid, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const firstboot = (extraEnv: Record<string, string> = {}) =>
  execa(PY, [join(bundle, 'rootfs/usr/local/lib/kiln/firstboot.py')], {
    reject: false,
    env: {
      PATH: '/usr/bin:/bin',
      KILN_FIRSTBOOT_ROOT: root,
      KILN_APP_USER: 'nobody',
      KILN_VENV: join(repo, '.venv'),
      KILN_APP_DIR: join(bundle, 'rootfs/opt/kiln/app'),
      KILN_PG_SOCKET_DIR: sock,
      KILN_PG_PORT: String(pgPort),
      KILN_SSM_ENDPOINT_URL: moto!.endpoint,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ...extraEnv,
    },
    extendEnv: false,
  });

/** app.env as a POSIX shell reads it (same quoting rules as systemd's EnvironmentFile for these escapes). */
async function readEnvFile(path: string): Promise<Record<string, string>> {
  const r = await execa('bash', ['--norc', '-c', 'set -a; . "$1"; env -0', 'sh', path], {
    extendEnv: false,
    env: {},
    stdin: 'ignore',
    encoding: 'utf8',
  });
  return Object.fromEntries(
    r.stdout
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

async function writeBoot(parameters: Record<string, string>): Promise<void> {
  const boot = bootConfig({
    tierName: 'nano',
    recipe: { ...WEB, app: { ...WEB.app, env: HOSTILE_ENV, domains: ['example.com'] } },
    distro: DISTROS.ubuntu2404,
    imageHash: 'x',
  });
  await writeFile(join(root, 'etc/kiln/boot.json'), bootJson({ ...boot, secrets: { source: 'ssm', parameters } }));
}

beforeAll(async () => {
  const pg = await execa('id', ['-u', 'postgres']);
  pgUid = Number(pg.stdout);
  pgGid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  tmp = await mkdtemp(join(tmpdir(), 'kiln-firstboot-'));
  await chmod(tmp, 0o755);
  root = join(tmp, 'root');
  sock = join(tmp, 'sock');
  for (const d of ['etc/kiln', 'etc/pgbouncer', 'var/lib']) await mkdir(join(root, d), { recursive: true });
  bundle = await writeBundle(join(tmp, 'bundle'), render(BUILTIN_TIERS.find((t) => t.name === 'nano')!, WEB, DISTROS.debian12));
  // The image carries app.json (rendered): first boot reads the settings module and boot commands from it.
  await writeFile(join(root, 'etc/kiln/app.json'), await readFile(join(bundle, 'rootfs/etc/kiln/app.json')));
  const data = join(tmp, 'pgdata');
  await mkdir(data, { mode: 0o700 });
  await mkdir(sock);
  await chown(data, pgUid, pgGid);
  await chown(sock, pgUid, pgGid);
  await execa(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256', '-E', 'UTF8'], {
    uid: pgUid,
    gid: pgGid,
  });
  pgPort = await freePort();
  startAs(join(PG_BIN, 'postgres'), ['-D', data, '-k', sock, '-p', String(pgPort), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  await waitFor(
    'postgres',
    async () => (await execa(join(PG_BIN, 'pg_isready'), ['-h', sock, '-p', String(pgPort)], { reject: false })).exitCode === 0,
  );
  moto = await startMoto();
  await moto
    .clients()
    .ssm.send(new PutParameterCommand({ Name: '/kiln/canary/django-secret-key', Type: 'SecureString', Value: SECRET_KEY }));
}, 120_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.pid) {
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGINT');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    }
  }
  await moto?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('kiln-firstboot against real PostgreSQL, PgBouncer and SSM (moto)', () => {
  it('a missing SSM parameter fails the boot, names the parameter and changes nothing', async () => {
    await writeBoot({ KILN_SECRET_KEY: '/kiln/canary/not-there' });
    const r = await firstboot();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FAILED: SSM parameter \/kiln\/canary\/not-there \(for KILN_SECRET_KEY\)/);
    expect(await readdir(join(root, 'etc/pgbouncer'))).toEqual([]);
    const roles = await execa(
      'psql',
      [
        '-X',
        '-At',
        '-h',
        sock,
        '-p',
        String(pgPort),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-c',
        "SELECT count(*) FROM pg_roles WHERE rolname='canary'",
      ],
      { uid: pgUid, gid: pgGid },
    );
    expect(roles.stdout).toBe('0');
  });

  it('creates role + database, writes userlist (verifier only) and app.env, migrates and seeds; the app logs in through PgBouncer', async () => {
    await writeBoot({ KILN_SECRET_KEY: '/kiln/canary/django-secret-key' });
    const r = await firstboot();
    expect(r.stderr).toMatch(/migrated\n.*ran manage.py seed_canary/);
    expect(r.exitCode).toBe(0);

    const envPath = join(root, 'etc/kiln/app.env');
    const st = await stat(envPath);
    expect((st.mode & 0o777).toString(8)).toBe('640');
    expect([st.uid, st.gid]).toEqual([0, Number((await execa('id', ['-g', 'nobody'])).stdout)]);
    const env = await readEnvFile(envPath);
    expect(env).toMatchObject({
      ...HOSTILE_ENV,
      KILN_SECRET_KEY: SECRET_KEY,
      KILN_DB_NAME: 'canary',
      KILN_DB_USER: 'canary',
      KILN_DB_HOST: '127.0.0.1',
      KILN_DB_PORT: '6432',
      KILN_REDIS_URL: 'redis://127.0.0.1:6379/0',
      KILN_ALLOWED_HOSTS: 'example.com',
      // The names Django projects read through dj-database-url / django-environ.
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      SECRET_KEY: SECRET_KEY,
      ALLOWED_HOSTS: 'example.com',
      DJANGO_SETTINGS_MODULE: 'kiln_canary.settings',
    });
    const password = env.KILN_DB_PASSWORD;
    expect(env.DATABASE_URL).toBe(`postgres://canary:${password}@127.0.0.1:6432/canary`);
    expect(password.length).toBeGreaterThanOrEqual(40);

    const userlist = await readFile(join(root, 'etc/pgbouncer/userlist.txt'), 'utf8');
    expect(userlist).toMatch(/^"canary" "SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+"\n$/);
    expect(userlist).not.toContain(password);
    expect((await stat(join(root, 'etc/pgbouncer/userlist.txt'))).gid).toBe(pgGid);
    // The plaintext lives in app.env only: not in boot.json, the marker, or the bundle.
    for (const f of ['etc/kiln/boot.json', 'var/lib/kiln/firstboot.done'])
      expect(await readFile(join(root, f), 'utf8')).not.toContain(password);

    const pgbPort = await freePort();
    const ini = join(tmp, 'pgbouncer.ini');
    await writeFile(
      ini,
      `[databases]\ncanary = host=127.0.0.1 port=${pgPort} dbname=canary\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${pgbPort}\nunix_socket_dir =\nauth_type = scram-sha-256\nauth_file = ${join(root, 'etc/pgbouncer/userlist.txt')}\npool_mode = transaction\n`,
    );
    startAs('/usr/sbin/pgbouncer', [ini]);
    const query = (pw: string) =>
      execa(
        PY,
        [
          '-c',
          'import psycopg,sys; c=psycopg.connect(host="127.0.0.1", port=sys.argv[1], dbname="canary", user="canary", password=sys.argv[2], prepare_threshold=None); print(c.execute("SELECT count(*) FROM kiln_canary_item").fetchone()[0])',
          String(pgbPort),
          pw,
        ],
        { reject: false },
      );
    await waitFor('pgbouncer', async () => !/Connection refused/.test((await query(password)).stderr));
    const ok = await query(password);
    expect(ok.stderr).toBe('');
    expect(Number(ok.stdout)).toBeGreaterThan(0);
    const wrong = await query(`${password}x`);
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed|SASL authentication failed/);
  });

  it('a second boot does nothing (the marker), and the DB password stays the same', async () => {
    const before = await readFile(join(root, 'etc/kiln/app.env'), 'utf8');
    const r = await firstboot();
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/firstboot\.done exists: nothing to do/);
    expect(await readFile(join(root, 'etc/kiln/app.env'), 'utf8')).toBe(before);
  });
});

describe('kiln-firstboot for an image without PostgreSQL (an external database)', () => {
  it("takes DATABASE_URL from the launch's secrets file, makes no role, generates the other declared secrets; without the file it fails naming it", async () => {
    const ext = join(tmp, 'ext');
    for (const d of ['etc/kiln', 'etc/pgbouncer', 'var/lib']) await mkdir(join(ext, d), { recursive: true });
    const app = JSON.parse(await readFile(join(bundle, 'rootfs/etc/kiln/app.json'), 'utf8'));
    await writeFile(
      join(ext, 'etc/kiln/app.json'),
      JSON.stringify({ ...app, services: ['nginx', 'gunicorn', 'redis'], bootCommands: [], secrets: ['API_TOKEN', 'DATABASE_URL'] }),
    );
    const boot = bootConfig({ tierName: 'nano', recipe: WEB, distro: DISTROS.debian12, imageHash: 'x', migrate: false });
    await writeFile(
      join(ext, 'etc/kiln/boot.json'),
      bootJson({ ...boot, secrets: { source: 'generate', names: ['API_TOKEN', 'DATABASE_URL'] } }),
    );
    const secretsFile = join(tmp, 'secrets.json');
    const run = () => firstboot({ KILN_FIRSTBOOT_ROOT: ext, KILN_SECRETS_FILE: secretsFile });
    const missing = await run();
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(
      /FAILED: DATABASE_URL is a secret of this app and cannot be generated: give it in the launch's secrets file/,
    );
    expect(existsSync(join(ext, 'etc/kiln/app.env'))).toBe(false);
    const url = 'postgres://shop:s3cret@db.internal:5432/shop';
    await writeFile(secretsFile, JSON.stringify({ DATABASE_URL: url }));
    const r = await run();
    expect(r.stderr).toMatch(/migrations skipped/);
    expect(r.exitCode).toBe(0);
    const env = await readEnvFile(join(ext, 'etc/kiln/app.env'));
    expect(env).toMatchObject({ DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:6379/0', DJANGO_SETTINGS_MODULE: 'kiln_canary.settings' });
    expect(env.API_TOKEN.length).toBeGreaterThanOrEqual(40);
    expect(env.KILN_DB_PASSWORD).toBeUndefined();
    expect(await readdir(join(ext, 'etc/pgbouncer'))).toEqual([]);
  });
});
