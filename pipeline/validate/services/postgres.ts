/**
 * Postgres parses the rendered conf.d: a scratch cluster (initdb, cached) whose postgresql.conf ends with
 * Debian's `include_dir`, then `postgres -C` for every tuned parameter, compared with the tuned value.
 */
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { pgParams, postgresConfPath } from '../../../images/files/postgres.ts';
import { tmpName } from '../../../lib/fsutil.ts';
import { inSandbox } from '../sandbox.ts';
import { shellQuote as q } from '../../../lib/shell-quote.ts';
import type { Validator } from '../types.ts';
import { finding, REPO_ROOT, requirePath, rootfsOf } from './common.ts';

/** What one unit of `postgres -C` output is worth in kB, for memory parameters (their base units). */
const BASE_KB: Record<string, number> = {
  shared_buffers: 8,
  wal_buffers: 8,
  effective_cache_size: 8,
  work_mem: 1,
  maintenance_work_mem: 1,
  min_wal_size: 1024,
  max_wal_size: 1024,
};

/**
 * Parameters a major release removed (its release notes): the host's older postgres still accepts them, the image's
 * would refuse to start. Checked for every major between the host's and the image's; what they added is not.
 */
export const REMOVED_IN: Record<number, readonly string[]> = {
  16: ['vacuum_defer_cleanup_age', 'promote_trigger_file', 'force_parallel_mode'],
  17: ['old_snapshot_threshold', 'db_user_namespace', 'trace_recovery_messages'],
};

/** Rendered parameters a release after `hostMajor`, up to `imageMajor`, removed: `name (removed in N)`. */
export function removedSince(names: readonly string[], hostMajor: number, imageMajor: number): string[] {
  return Object.entries(REMOVED_IN)
    .filter(([m]) => Number(m) > hostMajor && Number(m) <= imageMajor)
    .flatMap(([m, gone]) => names.filter((n) => gone.includes(n)).map((n) => `${n} (removed in PostgreSQL ${m})`));
}

/** The newest Postgres on this host; another major's conf.d (16 for Ubuntu, 17 for trixie) is read by it with a version-gap note. */
export function hostPgBin(): string | undefined {
  const majors = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((d) => /^\d+$/.test(d))
        .map(Number)
    : [];
  const bin = majors
    .sort((a, b) => b - a)
    .map((m) => `/usr/lib/postgresql/${m}/bin`)
    .find((b) => existsSync(`${b}/postgres`));
  return bin;
}

const cacheDir = () => resolve(process.env.KILN_CACHE_DIR ?? join(REPO_ROOT, '.kiln/cache'));
const asPostgres = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'];

/** One build per cache dir in this process: tiers validated side by side (nightly, cold cache) share it. */
const building = new Map<string, Promise<string>>();

/** initdb once per Postgres version (in the scratch dir, which postgres can reach), kept in the cache; later runs copy it. */
async function templateCluster(bin: string, scratch: string): Promise<string> {
  const version = (await execa(`${bin}/postgres`, ['--version'])).stdout.trim().replace(/[^A-Za-z0-9.]+/g, '_');
  const dir = join(cacheDir(), 'validate', `initdb-${version}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const pending = building.get(dir) ?? buildCluster(bin, scratch, dir).finally(() => building.delete(dir));
  building.set(dir, pending);
  return pending;
}

async function buildCluster(bin: string, scratch: string, dir: string): Promise<string> {
  const fresh = join(scratch, 'initdb');
  await mkdir(fresh, { mode: 0o700 });
  await chown(fresh, ...(await pgIds()));
  await execa(
    asPostgres[0]!,
    [...asPostgres.slice(1), `${bin}/initdb`, '-D', fresh, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'],
    { cwd: '/' },
  );
  // Unique per writer: another kiln process may be filling the same cache; the first rename wins.
  const tmp = tmpName(dir);
  await mkdir(join(dir, '..'), { recursive: true });
  await execa('cp', ['-a', fresh, tmp]);
  await rename(tmp, dir).catch(async (e) => {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  });
  return dir;
}

async function pgIds(): Promise<[number, number]> {
  const [u, g] = await Promise.all([execa('id', ['-u', 'postgres']), execa('id', ['-g', 'postgres'])]);
  return [Number(u.stdout), Number(g.stdout)];
}

/** The tuned value in the form `postgres -C` prints it. */
function expected(p: ReturnType<typeof pgParams>[number]): string {
  if (p.unit === 'kB' || p.unit === 'MB') return String((Number(p.value) * (p.unit === 'MB' ? 1024 : 1)) / BASE_KB[p.name]!);
  return String(p.value);
}

export const postgresValidator: Validator = {
  name: 'postgres -C',
  roles: ['postgres'],
  needs: ['setpriv', 'unshare'],
  versioned: {
    program: 'PostgreSQL',
    argv: () => {
      const b = hostPgBin();
      return b ? [`${b}/postgres`, '--version'] : undefined;
    },
    image: (d) => String(d.pgMajor),
    unchecked: "parameters added or re-ranged between them (ones removed since the host's major are checked: REMOVED_IN)",
  },
  run: async (ctx) => {
    const conf = postgresConfPath(ctx.rendered.context);
    const missing = requirePath(ctx, 'postgres -C', conf);
    if (missing) return [missing];
    const bin = hostPgBin();
    if (!bin) return [finding('postgres -C', conf, false, 'no /usr/lib/postgresql/*/bin/postgres on this host: run scripts/setup.sh')];
    const data = join(ctx.scratch, 'data');
    await chown(ctx.scratch, ...(await pgIds()));
    // `postgres -C` reads only these from a data dir: copy them, not the 40 MB cluster.
    await mkdir(data, { mode: 0o700 });
    const template = await templateCluster(bin, ctx.scratch);
    await execa('cp', ['-a', ...['PG_VERSION', 'postgresql.conf', 'postgresql.auto.conf'].map((f) => join(template, f)), data]);
    await execa('chown', ['-R', 'postgres:postgres', data]);
    // As Debian's postgresql.conf does: conf.d is read last, so the rendered values win.
    await appendFile(`${data}/postgresql.conf`, `\ninclude_dir '${ctx.rendered.context.distro.pgConfDir}/conf.d'\n`);
    const params = pgParams(ctx.rendered.context);
    const pg = [...asPostgres, `${bin}/postgres`, '-D', data].map(q).join(' ');
    const script = params.map((p) => `v=$(${pg} -C ${p.name} 2>&1) || { echo "$v"; exit 1; }; echo "${p.name}=$v"`).join('\n');
    const r = await inSandbox({ rootfs: rootfsOf(ctx), script });
    if (r.exitCode !== 0) return [finding('postgres -C', conf, false, r.output)];
    const got = new Map(r.output.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
    const bad = params
      .filter((p) => got.get(p.name) !== expected(p))
      .map(
        (p) => `${p.name}: rendered ${p.text} (= ${expected(p)} in postgres -C units), postgres reads ${JSON.stringify(got.get(p.name))}`,
      );
    const hostMajor = Number(/\/postgresql\/(\d+)\//.exec(bin)?.[1]);
    // Every name the file sets, not only the tuned ones: a hand edit or a template line counts too.
    const names = [...(await readFile(join(rootfsOf(ctx), conf), 'utf8')).matchAll(/^\s*([a-z_.]+)\s*=/gm)].map((m) => m[1]!);
    bad.push(
      ...removedSince(names, hostMajor, ctx.rendered.context.distro.pgMajor).map(
        (r) => `${r}: PostgreSQL ${ctx.rendered.context.distro.pgMajor} on the image would not start with it`,
      ),
    );
    return [
      finding(
        'postgres -C',
        conf,
        bad.length === 0,
        bad.length ? bad.join('\n') : `${params.length} parameters read back as rendered (${bin})\n${r.output}`,
      ),
    ];
  },
};
