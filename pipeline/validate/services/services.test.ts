/** The service validators run the real programs: the good render passes, a corrupted file fails with the tool's words. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DISTROS, type DistroProfile } from '../../../images/distro.ts';
import { render } from '../../../images/render.ts';
import { BUILTIN_TIERS } from '../../../images/tiers.ts';
import { WEB } from '../../../images/web.ts';
import { validateBundle } from '../run.ts';
import { SERVICE_VALIDATORS as validators } from '../index.ts';
import type { Validator } from '../types.ts';
import { writeBundle } from '../../bundle/write-bundle.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-services-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tier = (name: string) => BUILTIN_TIERS.find((t) => t.name === name)!;
const byName = (name: string) => validators.find((v) => v.name === name)!;
let n = 0;

async function bundle(tierName: string, distro: DistroProfile) {
  const rendered = render(tier(tierName), WEB, distro);
  const dir = await writeBundle(join(work, `b${n++}`), rendered);
  return { rendered, dir, file: (p: string) => join(dir, 'rootfs', p) };
}

/** Renders nano (debian12 unless said), applies `edit` to one rendered file, runs one validator. */
async function corrupted(validator: Validator, path: string, edit: (text: string) => string, distro = DISTROS.debian12) {
  const b = await bundle('nano', distro);
  const before = readFileSync(b.file(path), 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(b.file(path), after);
  return validateBundle(b.dir, b.rendered, [validator]);
}

const failedWith = (findings: Awaited<ReturnType<typeof validateBundle>>, file: string, pattern: RegExp) => {
  const bad = findings.filter((f) => !f.ok);
  expect(bad.map((f) => f.file)).toContain(file);
  expect(bad.map((f) => f.output).join('\n')).toMatch(pattern);
};

describe('the good render passes every service validator', () => {
  // The host's own configs, logs and runtime dirs are never touched: everything happened in the sandbox.
  const HOST_FILES = ['/etc/nginx/nginx.conf', '/etc/pgbouncer/pgbouncer.ini', '/etc/redis/redis.conf', '/etc/ssh/sshd_config'];
  const snapshot = () => [
    ...HOST_FILES.map((p) => (existsSync(p) ? readFileSync(p, 'utf8') : '-')),
    ...['/etc/nginx/conf.d', '/etc/sysctl.d', '/etc/systemd/system', '/etc/ssh/sshd_config.d'].map((d) =>
      existsSync(d) ? readdirSync(d).sort().join(',') : '-',
    ),
    existsSync('/opt/kiln') ? 'opt/kiln exists' : '-',
  ];
  const before = snapshot();
  afterAll(() => expect(snapshot()).toEqual(before));

  for (const t of ['nano', '2xlarge']) {
    for (const d of Object.values(DISTROS)) {
      it(`${t} / ${d.id}`, async () => {
        const b = await bundle(t, d);
        const findings = await validateBundle(b.dir, b.rendered, validators);
        expect(findings.filter((f) => !f.ok)).toEqual([]);
        // Every validator ran (none was skipped for lack of files).
        const tools = new Set(findings.map((f) => f.tool));
        expect(validators.map((v) => v.name).filter((name) => !tools.has(name))).toEqual([]);
        expect(tools.has('nginx (served)')).toBe(true);
        expect(findings.find((f) => f.tool === 'postgres -C')!.file).toBe(`${d.pgConfDir}/conf.d/kiln.conf`);
        // The host (bookworm) reads every distro's files: another release's files pass with the gap said, not as if checked.
        const pg = findings.find((f) => f.tool === 'postgres -C')!;
        if (d.pgMajor === 15) expect(pg.note).toBeUndefined();
        else
          expect(pg.note).toMatch(
            new RegExp(`^PostgreSQL 15 on this host read this for an image that runs ${d.pgMajor}; not checked here: `),
          );
      });
    }
  }
});

describe("a broken file fails its validator with the program's own message", () => {
  it('nginx: unknown directive', async () => {
    const f = await corrupted(byName('nginx -t'), '/etc/nginx/conf.d/kiln.conf', (s) =>
      s.replace('proxy_redirect off;', 'proxy_redirekt off;'),
    );
    failedWith(f, '/etc/nginx/nginx.conf', /unknown directive "proxy_redirekt"/);
  });

  it('nginx: a static alias that points nowhere passes nginx -t but fails when served', async () => {
    const f = await corrupted(byName('nginx -t'), '/etc/nginx/conf.d/kiln.conf', (s) =>
      s.replace('alias /opt/kiln/static/;', 'alias /opt/kiln/nowhere/;'),
    );
    expect(f.find((x) => x.tool === 'nginx -t')!.ok).toBe(true);
    failedWith(f, '/etc/nginx/conf.d/kiln.conf', /GET \/static\/canary\.css -> 404/);
  });

  it('postgres: work_mem = banana', async () => {
    const f = await corrupted(byName('postgres -C'), '/etc/postgresql/15/main/conf.d/kiln.conf', (s) =>
      s.replace(/^work_mem = .*$/m, 'work_mem = banana'),
    );
    failedWith(f, '/etc/postgresql/15/main/conf.d/kiln.conf', /invalid value for parameter "work_mem": "banana"/);
  });

  it("postgres: a parameter PostgreSQL 17 removed passes the host's 15 but fails the debian13 render", async () => {
    const conf = '/etc/postgresql/17/main/conf.d/kiln.conf';
    const f = await corrupted(byName('postgres -C'), conf, (s) => `${s}\nold_snapshot_threshold = -1\n`, DISTROS.debian13);
    failedWith(f, conf, /old_snapshot_threshold \(removed in PostgreSQL 17\): PostgreSQL 17 on the image would not start with it/);
  });

  it('postgres: a valid value that differs from the tuned one', async () => {
    const f = await corrupted(byName('postgres -C'), '/etc/postgresql/15/main/conf.d/kiln.conf', (s) => `${s}\nshared_buffers = 3MB\n`);
    failedWith(f, '/etc/postgresql/15/main/conf.d/kiln.conf', /shared_buffers: rendered \d+MB .* postgres reads "384"/);
  });

  it('pgbouncer: unknown key', async () => {
    const f = await corrupted(byName('pgbouncer'), '/etc/pgbouncer/pgbouncer.ini', (s) => s.replace('pool_mode =', 'pool_mood ='));
    failedWith(f, '/etc/pgbouncer/pgbouncer.ini', /unknown parameter: pgbouncer\/pool_mood[\s\S]*FATAL cannot load config file/);
  });

  it('pgbouncer: a bad value', async () => {
    const f = await corrupted(byName('pgbouncer'), '/etc/pgbouncer/pgbouncer.ini', (s) =>
      s.replace(/^max_client_conn = .*$/m, 'max_client_conn = lots'),
    );
    failedWith(f, '/etc/pgbouncer/pgbouncer.ini', /invalid value "lots" for parameter max_client_conn/);
  });

  it('redis: bad directive', async () => {
    const f = await corrupted(byName('redis-server'), '/etc/redis/redis.conf', (s) => s.replace('maxmemory-policy', 'maxmemory-polizy'));
    failedWith(f, '/etc/redis/redis.conf', /Bad directive or wrong number of arguments/);
  });

  it('gunicorn: a value gunicorn rejects', async () => {
    const f = await corrupted(byName('gunicorn --check-config'), '/etc/kiln/gunicorn.conf.py', (s) =>
      s.replace(/^workers = \d+$/m, 'workers = "many"'),
    );
    failedWith(f, '/etc/kiln/gunicorn.conf.py', /Invalid value for workers: many/);
  });

  it('gunicorn: the app cannot be imported from chdir', async () => {
    const f = await corrupted(byName('gunicorn --check-config'), '/etc/kiln/gunicorn.conf.py', (s) =>
      s.replace('chdir = "/opt/kiln/app"', 'chdir = "/opt/kiln"'),
    );
    failedWith(f, '/etc/kiln/gunicorn.conf.py', /No module named 'kiln_canary'/);
  });

  it('app behind nginx: a socket group nginx is not in gives 502', async () => {
    const f = await corrupted(byName('app behind nginx'), '/etc/systemd/system/kiln-app.service', (s) =>
      s.replace('Group=www-data', 'Group=nogroup'),
    );
    failedWith(f, '/etc/systemd/system/kiln-app.service', /GET \/health -> 502[\s\S]*Permission denied/);
  });

  it("app behind nginx, with domains: a load balancer's health check (an address as Host) gets 200; without the health location it gets 400", async () => {
    const rendered = render(
      tier('nano'),
      { ...WEB, app: { ...WEB.app, domains: ['shop.example.com', '*.shop.example.com'] } },
      DISTROS.debian12,
    );
    const dir = await writeBundle(join(work, `b${n++}`), rendered);
    const good = await validateBundle(dir, rendered, [byName('app behind nginx')]);
    expect(good.map((f) => [f.ok, f.output])).toEqual([
      [true, expect.stringContaining('GET /health as a load balancer (Host 10.0.0.1) -> 200')],
    ]);
    const site = join(dir, 'rootfs', 'etc/nginx/conf.d/kiln.conf');
    writeFileSync(site, readFileSync(site, 'utf8').replace('location = /health {', 'location = /elsewhere {'));
    failedWith(
      await validateBundle(dir, rendered, [byName('app behind nginx')]),
      '/etc/systemd/system/kiln-app.service',
      /\(Host 10\.0\.0\.1\) -> 400/,
    );
  });

  it('app behind nginx: X-Forwarded-Proto trusted from anyone lets a public client pass as HTTPS', async () => {
    const f = await corrupted(byName('app behind nginx'), '/etc/nginx/conf.d/kiln.conf', (s) =>
      s.replaceAll('X-Forwarded-Proto $kiln_forwarded_proto', 'X-Forwarded-Proto $http_x_forwarded_proto'),
    );
    failedWith(f, '/etc/systemd/system/kiln-app.service', /from 198\.51\.100\.7 -> https/);
  });

  it('sshd: password login back on', async () => {
    const f = await corrupted(byName('sshd -T'), '/etc/ssh/sshd_config.d/60-kiln.conf', (s) =>
      s.replace('PasswordAuthentication no', 'PasswordAuthentication yes'),
    );
    failedWith(f, '/etc/ssh/sshd_config.d/60-kiln.conf', /passwordauthentication: rendered "no", the program reports "yes"/);
  });

  it('sshd: unknown keyword', async () => {
    const f = await corrupted(byName('sshd -T'), '/etc/ssh/sshd_config.d/60-kiln.conf', (s) => `${s}PermitRootLogon no\n`);
    failedWith(f, '/etc/ssh/sshd_config.d/60-kiln.conf', /Bad configuration option: PermitRootLogon/);
  });

  it('systemd: an unparsable value and an unknown key, each blamed on its drop-in', async () => {
    const b = await bundle('nano', DISTROS.debian12);
    const nginx = '/etc/systemd/system/nginx.service.d/kiln.conf';
    const pgb = '/etc/systemd/system/pgbouncer.service.d/kiln.conf';
    writeFileSync(b.file(nginx), readFileSync(b.file(nginx), 'utf8').replace('OOMPolicy=continue', 'OOMPolicy=banana'));
    writeFileSync(b.file(pgb), `${readFileSync(b.file(pgb), 'utf8')}MemoryHgih=1M\n`);
    const f = await validateBundle(b.dir, b.rendered, [byName('systemd-analyze verify')]);
    failedWith(f, nginx, /Failed to parse OOM policy.*banana/);
    failedWith(f, pgb, /Unknown key.*MemoryHgih/);
    expect(f.find((x) => x.file === '/etc/systemd/system/redis-server.service.d/kiln.conf')!.ok).toBe(true);
  });

  it('sysctl: unknown key and malformed value; the host keeps its own values', async () => {
    const hostBefore = execFileSync('sysctl', ['-n', 'net.core.somaxconn', 'net.ipv4.ip_local_port_range', 'vm.overcommit_memory'], {
      encoding: 'utf8',
    });
    const f = await corrupted(
      byName('sysctl'),
      '/etc/sysctl.d/60-kiln.conf',
      (s) => `${s.replace('net.core.somaxconn = 1024', 'net.core.somaxconn = 1024x')}vm.no_such_knob = 1\n`,
    );
    failedWith(f, '/etc/sysctl.d/60-kiln.conf', /vm\.no_such_knob = 1: no such key/);
    failedWith(f, '/etc/sysctl.d/60-kiln.conf', /net\.core\.somaxconn = 1024x: value must be 1 integer/);
    expect(
      execFileSync('sysctl', ['-n', 'net.core.somaxconn', 'net.ipv4.ip_local_port_range', 'vm.overcommit_memory'], { encoding: 'utf8' }),
    ).toBe(hostBefore);
  });

  it('sysctl: a well-formed value the kernel refuses', async () => {
    const f = await corrupted(byName('sysctl'), '/etc/sysctl.d/60-kiln.conf', (s) =>
      s.replace('net.ipv4.ip_local_port_range = 10240 65535', 'net.ipv4.ip_local_port_range = 65535 10240'),
    );
    failedWith(f, '/etc/sysctl.d/60-kiln.conf', /the kernel did not take net\.ipv4\.ip_local_port_range/);
  });
});
