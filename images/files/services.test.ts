/** Service config rendering: every tuned value is written under its reason, deterministically, and user input stays data. */
import { describe, expect, it } from 'vitest';
import { DISTROS } from '../distro.ts';
import { InputError } from '../errors.ts';
import { render } from '../render.ts';
import { BUILTIN_TIERS } from '../tiers.ts';
import { WEB, type Recipe } from '../web.ts';
import { CGROUP_SLACK_MIB, MEMORY_MAX_FACTOR } from './systemd.ts';

const MINE = ['nginx', 'postgres', 'pgbouncer', 'gunicorn', 'systemd', 'sysctl', 'sshd'];
const recipeWith = (app: Partial<Recipe['app']>): Recipe => ({ ...WEB, app: { ...WEB.app, ...app } });
const fileOf = (r: ReturnType<typeof render>, path: string) => r.files.find((f) => f.path === path)!.content;

describe.each(Object.values(DISTROS))('service files on $id', (distro) => {
  it.each(BUILTIN_TIERS.map((t) => [t.name, t] as const))('%s: every tuned setting sits on the line under its reason', (_, tier) => {
    const r = render(tier, WEB, distro);
    const lines = r.files.filter((f) => MINE.includes(f.role)).flatMap((f) => f.content.split('\n'));
    const missing: string[] = [];
    for (const group of ['postgres', 'pgbouncer', 'gunicorn', 'nginx', 'kernel'] as const) {
      for (const [key, value] of Object.entries(r.context.s[group])) {
        const reason = r.context.r[`${group}.${key}`];
        const ok = lines.some(
          (l, i) =>
            l.trim().replace(/^(#|;;) /, '') === reason
            && /^\s*(#|;;) /.test(l)
            && lines[i + 1]?.toLowerCase().includes(String(value).toLowerCase()),
        );
        if (!ok) missing.push(`${group}.${key} = ${value}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('renders the same bytes twice, with no host path, timestamp or "auto" worker count', () => {
    const tier = BUILTIN_TIERS.find((t) => t.name === 'small')!;
    const a = render(tier, WEB, distro).files.filter((f) => MINE.includes(f.role));
    const b = render(tier, WEB, distro).files.filter((f) => MINE.includes(f.role));
    expect(a).toEqual(b);
    const text = a.map((f) => f.content).join('\n');
    expect(text).not.toMatch(/\/work\/|\/tmp\/|\/root\/|\d{4}-\d\d-\d\dT\d\d:/);
    expect(fileOf(render(tier, WEB, distro), '/etc/nginx/nginx.conf')).toMatch(/^worker_processes 2;$/m);
  });

  it("puts the postgres conf.d under the distro's config dir", () => {
    const r = render(BUILTIN_TIERS[0]!, WEB, distro);
    expect(r.files.find((f) => f.role === 'postgres')!.path).toBe(`${distro.pgConfDir}/conf.d/kiln.conf`);
    expect(r.files.some((f) => f.path === `/etc/systemd/system/${distro.pgUnit}.d/kiln.conf`)).toBe(true);
  });
});

describe('systemd drop-ins', () => {
  const r = render(BUILTIN_TIERS.find((t) => t.name === 'medium')!, WEB, DISTROS.debian12);
  const units = ['nginx.service', DISTROS.debian12.pgUnit, 'pgbouncer.service', 'redis-server.service', 'kiln-app.service'];

  it.each(units)('%s: restarts, survives one OOM kill, has memory limits from the budget', (unit) => {
    const text = fileOf(r, `/etc/systemd/system/${unit}.d/kiln.conf`);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^OOMPolicy=continue$/m);
    expect(text).toMatch(/cgroup v2/);
    const component =
      { 'nginx.service': 'nginx', 'pgbouncer.service': 'pgbouncer', 'redis-server.service': 'redis', 'kiln-app.service': 'gunicorn' }[unit]
      ?? 'postgres';
    const worst = r.context.tuned.budget.components[component as 'nginx'];
    expect(text).toMatch(new RegExp(`^MemoryHigh=${Math.ceil(worst + CGROUP_SLACK_MIB)}M$`, 'm'));
    expect(text).toMatch(new RegExp(`^MemoryMax=${Math.ceil(worst * MEMORY_MAX_FACTOR + CGROUP_SLACK_MIB)}M$`, 'm'));
  });

  it('orders pgbouncer after Postgres and the app after first boot, PgBouncer and Redis; file limits from the kernel settings', () => {
    expect(fileOf(r, '/etc/systemd/system/pgbouncer.service.d/kiln.conf')).toMatch(
      new RegExp(`^After=${DISTROS.debian12.pgUnit.replace('@', '@')}$`, 'm'),
    );
    const app = fileOf(r, '/etc/systemd/system/kiln-app.service');
    expect(app).toMatch(/^After=.*kiln-firstboot\.service.*pgbouncer\.service.*redis-server\.service/m);
    expect(app).toMatch(/^Requires=kiln-firstboot\.service$/m);
    expect(app).toMatch(/^ExecStart=\/opt\/kiln\/venv\/bin\/gunicorn -c \/etc\/kiln\/gunicorn\.conf\.py kiln_canary\.wsgi:application$/m);
    const s = r.context.s.kernel;
    expect(fileOf(r, '/etc/systemd/system/nginx.service.d/kiln.conf')).toMatch(new RegExp(`^LimitNOFILE=${s.nginx_nofile}$`, 'm'));
    expect(fileOf(r, '/etc/systemd/system/pgbouncer.service.d/kiln.conf')).toMatch(new RegExp(`^LimitNOFILE=${s.pgbouncer_nofile}$`, 'm'));
    expect(fileOf(r, '/etc/systemd/system/redis-server.service.d/kiln.conf')).toMatch(new RegExp(`^LimitNOFILE=${s.redis_nofile}$`, 'm'));
  });
});

describe('user input stays data', () => {
  const tier = BUILTIN_TIERS[0]!;
  it('nginx server_name: the recipe domains, else "_"', () => {
    expect(fileOf(render(tier, WEB), '/etc/nginx/conf.d/kiln.conf')).toMatch(/^\s*server_name _;$/m);
    const r = render(tier, recipeWith({ domains: ['example.com', '*.example.org'] }));
    expect(fileOf(r, '/etc/nginx/conf.d/kiln.conf')).toMatch(/^\s*server_name example\.com \*\.example\.org;$/m);
  });

  it.each([['x.com; include /etc/shadow'], ['a.com\nlisten 81'], ['$host'], ['']])(
    'a hostile domain %j is refused with exit-2 error',
    (bad) => {
      expect(() => render(tier, recipeWith({ domains: ['ok.example', bad] }))).toThrow(InputError);
      expect(() => render(tier, recipeWith({ domains: [bad] }))).toThrow(/recipe\.app\.domains\[0\]/);
    },
  );

  it.each([['canary db'], ['x\n[pgbouncer]'], ['Robert"); DROP'], ['1abc']])(
    'a hostile app name %j is refused for the pgbouncer database',
    (bad) => {
      expect(() => render(tier, recipeWith({ name: bad }))).toThrow(/recipe\.app\.name/);
    },
  );
});
