/**
 * Not every team runs its database on the box (seed 004's shape): a site from Django's own project template whose
 * recipe leaves PostgreSQL and PgBouncer out and takes DATABASE_URL as a secret. The image carries only what it runs,
 * the box gets the URL from its secrets file at first boot, migrates the database outside it, serves, and verify
 * judges what is there. The outside database is a scratch PostgreSQL this test starts on the host, reached from the
 * box's network namespace through its default route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startprojectSite } from '../bench/apps/startproject.ts';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { DISTROS } from '../images/distro.ts';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';
import { verifyCommand } from '../verify/command.ts';
import { validateHost } from '../model/host.ts';
import { defaultPlacement, gateRunLoad } from './gate-load.ts';

const PG_BIN = `/usr/lib/postgresql/${DISTROS.debian12.pgMajor}/bin`;
const micro = findTier(buildCatalog(), 'micro');
let work = '';
let stateDir = '';
let pg: ChildProcess | undefined;
let pgPort = 0;
let hostIp = '';
let pgUid = 0;

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const s = createServer()
      .once('error', fail)
      .listen(0, '0.0.0.0', () => {
        const { port } = s.address() as { port: number };
        s.close(() => ok(port));
      });
  });
const asPg = (cmd: string, args: string[]) => execa(cmd, args, { uid: pgUid, gid: pgUid });

beforeAll(async () => {
  await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
  work = await mkdtemp(join(REPO_ROOT, '.kiln/external-db-'));
  stateDir = join(work, 'state');
  // The host's own address on its default route: a box reaches it through its veth (the box's default gateway).
  hostIp =
    /src (\S+)/.exec((await execa('ip', ['-4', 'route', 'get', '1.1.1.1'], { reject: false })).stdout)?.[1]
    ?? (await execa('hostname', ['-I'])).stdout.trim().split(/\s+/)[0]!;
  pgUid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  const data = join(work, 'pgdata');
  await mkdir(data, { mode: 0o700 });
  await chown(data, pgUid, pgUid);
  await chown(work, pgUid, pgUid);
  await asPg(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256', '-E', 'UTF8']);
  await writeFile(
    join(data, 'pg_hba.conf'),
    'local all all peer\nhost shop shop 10.77.0.0/16 scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n',
  );
  pgPort = await freePort();
  pg = spawn(
    join(PG_BIN, 'postgres'),
    ['-D', data, '-k', work, '-p', String(pgPort), '-c', `listen_addresses=${hostIp}`, '-c', 'fsync=off'],
    { uid: pgUid, gid: pgUid, stdio: 'ignore' },
  );
  for (
    let i = 0;
    i < 100 && (await execa(join(PG_BIN, 'pg_isready'), ['-h', work, '-p', String(pgPort)], { reject: false })).exitCode !== 0;
    i++
  )
    await new Promise((r) => setTimeout(r, 200));
  await asPg('psql', [
    '-h',
    work,
    '-p',
    String(pgPort),
    '-d',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    "CREATE ROLE shop LOGIN PASSWORD 'outside-pw'",
    '-c',
    'CREATE DATABASE shop OWNER shop',
  ]);
}, 120_000);

afterAll(async () => {
  if (pg?.pid && pg.exitCode === null) {
    const gone = new Promise((r) => pg!.once('exit', r));
    process.kill(pg.pid, 'SIGINT');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe('an image without its own database', () => {
  it('carries no PostgreSQL, migrates the outside database at first boot from its secrets file, serves and passes verify', async () => {
    const site = join(work, 'site');
    const recipe = await startprojectSite(site, { name: 'shop' });
    // The recipe as a team with a managed database writes it: the pool and the database are not on the box.
    const text = (await readFile(recipe, 'utf8')).replace(
      '  settings: shop.settings\n',
      '  settings: shop.settings\n  secrets: [DATABASE_URL]\n',
    );
    await writeFile(recipe, `${text}services: [nginx, gunicorn, redis]\n`);
    const baked = await execa(
      'npx',
      [
        'tsx',
        'cli/cli.ts',
        'bake',
        '--target',
        'local',
        '--tier',
        'micro',
        '--recipe',
        recipe,
        '--base',
        'none',
        '--state-dir',
        stateDir,
        '--json',
      ],
      { cwd: REPO_ROOT, reject: false },
    );
    expect(baked.exitCode, baked.stderr.slice(-3000)).toBe(0);
    const target = localTarget({ stateDir });
    const image = await target.image(JSON.parse(baked.stdout).ref);
    expect(image.lineage.packageVersions).not.toHaveProperty('pgbouncer');
    expect(Object.keys(image.lineage.packageVersions).filter((p) => /^postgresql-\d+$/.test(p))).toEqual([]);
    expect(image.bundle!.manifest.budget.components).not.toHaveProperty('postgres');
    const secrets = join(work, 'secrets.json');
    await writeFile(secrets, JSON.stringify({ DATABASE_URL: `postgres://shop:outside-pw@${hostIp}:${pgPort}/shop` }), { mode: 0o600 });
    const place = defaultPlacement();
    const id = `xdb${process.pid % 10000}`;
    try {
      const host = validateHost(
        await target.launch({ ref: image.ref, tier: micro, id, cpus: place.boxCpus, readyTimeoutSec: 300, secretsFile: secrets }),
      );
      // First boot migrated the database outside the box.
      const tables = await asPg('psql', [
        '-h',
        work,
        '-p',
        String(pgPort),
        '-d',
        'shop',
        '-At',
        '-c',
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'django_migrations'",
      ]);
      expect(tables.stdout).toBe('1');
      const r = await verifyCommand({
        host,
        tier: micro,
        target: 'local',
        imageRef: image.ref,
        lineage: image.lineage,
        bundle: image.bundle,
        baselineRequired: false,
        runLoad: gateRunLoad(place, undefined, 50),
        shape: { warmupSec: 2, durationSec: 5, timeoutMs: 5000 },
        extras: { manifest: image.manifestFiles },
        reportDir: join(work, 'verify'),
      });
      expect(r.verdict.reasons).toEqual([]);
    } finally {
      await target.destroy(id).catch(() => undefined);
    }
  }, 900_000);
});
