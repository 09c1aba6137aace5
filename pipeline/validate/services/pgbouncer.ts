/**
 * PgBouncer loads the rendered ini: started in the sandbox (its real port, loopback only) with an empty scratch
 * userlist, asked `SHOW CONFIG` / `SHOW DATABASES` on the admin console the way an operator reaches it on the box
 * (user pgbouncer, unix socket, PgBouncer's own OS user, no password), compared with the tuned values, stopped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dbName, pgbouncerParams } from '../../../images/files/pgbouncer.ts';
import { inSandbox } from '../sandbox.ts';
import { ownedLayer } from './owned.ts';
import type { Validator } from '../types.ts';
import { finding, mismatches, requirePath, rootfsOf } from './common.ts';

const INI = '/etc/pgbouncer/pgbouncer.ini';
const TOOL = 'pgbouncer';

/** Starts pgbouncer as Debian's unit does (User=postgres, the drop-in's LimitNOFILE), queries, stops it by PID. */
const script = (nofile: number) => `
ulimit -n ${nofile}
setpriv --reuid=postgres --regid=postgres --init-groups /usr/sbin/pgbouncer ${INI} > /var/log/pgbouncer.stderr 2>&1 &
pid=$!
query() { PGCONNECT_TIMEOUT=2 setpriv --reuid=postgres --regid=postgres --init-groups psql -X -w -h /run/postgresql -p 6432 -U pgbouncer -d pgbouncer -AtF'|' -c "$1"; }
up=0
for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; if query 'SHOW VERSION' >/dev/null 2>&1; then up=1; break; fi; sleep 0.1; done
if [ $up = 1 ]; then echo '--- SHOW CONFIG'; query 'SHOW CONFIG'; echo '--- SHOW DATABASES'; query 'SHOW DATABASES'; fi
kill -INT $pid 2>/dev/null; wait $pid; rc=$?
echo '--- log'; cat /var/log/pgbouncer.stderr
[ $up = 1 ] && [ $rc = 0 ]`;

export const pgbouncerValidator: Validator = {
  name: TOOL,
  roles: ['pgbouncer'],
  needs: ['/usr/sbin/pgbouncer', 'psql', 'setpriv', 'unshare'],
  versioned: { program: 'PgBouncer', argv: () => ['/usr/sbin/pgbouncer', '--version'], image: (d) => d.versions.pgbouncer },
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, INI);
    if (missing) return [missing];
    const layer = join(ctx.scratch, 'userlist-layer');
    await mkdir(join(layer, 'etc/pgbouncer'), { recursive: true });
    // The image's userlist is written at first boot; the console needs none.
    await writeFile(join(layer, 'etc/pgbouncer/userlist.txt'), '', { mode: 0o644 });
    const s = ctx.rendered.context.s;
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      overRoots: [await ownedLayer(ctx)],
      extraRoots: [layer],
      dirs: [
        ['/run/postgresql', 'postgres:postgres'],
        ['/var/log/postgresql', 'postgres:postgres'],
      ],
      script: script(Number(s.kernel.pgbouncer_nofile)),
    });
    if (r.exitCode !== 0) return [finding(TOOL, INI, false, r.output)];
    const section = (name: string) => r.output.split(`--- ${name}\n`)[1]?.split('\n--- ')[0]?.split('\n') ?? [];
    const config = new Map(
      section('SHOW CONFIG')
        .map((l) => l.split('|'))
        .map(([k, v]) => [k!, v ?? ''] as [string, string]),
    );
    const want = Object.fromEntries(pgbouncerParams(ctx.rendered.context).map((p) => [p.name, String(p.value)]));
    const bad = mismatches({ ...want, auth_type: 'scram-sha-256', listen_addr: '127.0.0.1', listen_port: '6432' }, config);
    const db = dbName(ctx.rendered.context.recipe.app.name);
    if (!section('SHOW DATABASES').some((l) => l.startsWith(`${db}|127.0.0.1|5432|${db}|`)))
      bad.push(`SHOW DATABASES has no ${db} -> 127.0.0.1:5432/${db}`);
    return [
      finding(TOOL, INI, bad.length === 0, bad.length ? `${bad.join('\n')}\n${r.output}` : (r.output.split('--- log\n')[1] ?? r.output)),
    ];
  },
};
