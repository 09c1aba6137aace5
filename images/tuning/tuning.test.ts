import { DISTROS } from '../distro.ts';
import { describe, expect, it } from 'vitest';
import { InputError, TierTooSmallError } from '../errors.ts';
import { BUILTIN_TIERS, type Tier } from '../tiers.ts';
import { WEB } from '../web.ts';
import { settingReasons, settingValues, tune } from './index.ts';
import { broken, RULES } from './rules.ts';
import { MAX_THREADS, tuneGunicorn, workerCostMiB } from './gunicorn.ts';

/** The worst case, recomputed here from the raw settings and the assumptions written down in the test, not from budget.ts. */
function worstCaseMiB(t: Tier) {
  const s = settingValues(tune(t, WEB).settings) as Record<string, Record<string, number>>;
  const pg = s.postgres,
    g = s.gunicorn,
    n = s.nginx,
    b = s.pgbouncer,
    r = s.redis;
  const backends = pg.max_connections + pg.max_parallel_workers;
  const postgres =
    pg.shared_buffers_mib
    + pg.wal_buffers_mib
    + 7 * 1.5
    + backends * (4 + (pg.work_mem_kib / 1024) * (1 + pg.hash_mem_multiplier))
    + (pg.autovacuum_max_workers + 1) * pg.maintenance_work_mem_mib;
  const gunicorn =
    WEB.app.masterMiB + g.workers * (WEB.app.workerPrivateMiB + (g.threads - 1) * WEB.app.threadMiB + WEB.app.workerGrowthMiB);
  const nginx = 2 + n.worker_processes * (3 + (n.worker_connections * 8) / 1024);
  const pgbouncer = 2 + (b.max_client_conn * 8) / 1024;
  const redis = 4 + r.maxmemory_mib * 1.15;
  return { postgres, gunicorn, nginx, pgbouncer, redis, total: postgres + gunicorn + nginx + pgbouncer + redis };
}

describe('memory budget: the worst case fits every tier', () => {
  it.each(BUILTIN_TIERS.map((t) => [t.name, t] as const))('%s', (_name, tier) => {
    const tuned = tune(tier, WEB);
    const worst = worstCaseMiB(tier);
    const ceiling = (tier.ramMiB * tier.slo.memoryCeilingPct) / 100;
    // Every backend running two sort/hash nodes, every worker grown to its recycle limit, Redis full: still under the ceiling.
    expect(tuned.budget.osReserveMiB + worst.total).toBeLessThanOrEqual(ceiling);
    for (const k of ['postgres', 'gunicorn', 'nginx', 'pgbouncer', 'redis'] as const) {
      expect(tuned.budget.components[k]).toBeGreaterThanOrEqual(worst[k] - 0.1);
    }
    expect(tuned.budget.headroomMiB).toBeGreaterThan(0);
  });
});

describe('settings', () => {
  it('gives every setting a one-line reason', () => {
    for (const t of BUILTIN_TIERS) {
      const reasons = settingReasons(tune(t, WEB).settings);
      expect(Object.keys(reasons).length).toBeGreaterThan(50);
      for (const [key, why] of Object.entries(reasons)) {
        expect(why, key).toMatch(/\S{3}/);
        expect(why, key).not.toMatch(/\n/);
      }
    }
  });

  it('sizes max_connections from the PgBouncer pool, not a default of 100', () => {
    for (const t of BUILTIN_TIERS) {
      const s = settingValues(tune(t, WEB).settings);
      expect(s.postgres!.max_connections).toBe((s.pgbouncer!.max_db_connections as number) + 3 + 2);
      expect(s.postgres!.max_connections).toBeLessThan(50);
    }
  });

  it('holds the cross-field rules on every tier', () => {
    for (const t of BUILTIN_TIERS) expect(broken(tune(t, WEB))).toEqual([]);
  });

  it('grows memory settings with the tier and never shrinks them', () => {
    const vals = BUILTIN_TIERS.map((t) => settingValues(tune(t, WEB).settings));
    for (let i = 1; i < vals.length; i++) {
      for (const [g, k] of [
        ['postgres', 'shared_buffers_mib'],
        ['postgres', 'work_mem_kib'],
        ['redis', 'maxmemory_mib'],
        ['postgres', 'effective_cache_size_mib'],
      ] as const) {
        expect(vals[i][g]![k] as number).toBeGreaterThanOrEqual(vals[i - 1][g]![k] as number);
      }
    }
  });

  it('sets max_requests high with jitter, and overcommit once for Postgres + Redis', () => {
    const s = settingValues(tune(BUILTIN_TIERS[0], WEB).settings);
    expect(s.gunicorn.max_requests).toBeGreaterThanOrEqual(10000);
    expect(s.gunicorn.max_requests_jitter).toBeGreaterThan(0);
    expect(s.kernel.vm_overcommit_memory).toBe(1);
    expect(s.redis!.save).toBe('');
  });

  it('is pure and deterministic', () => {
    expect(JSON.stringify(tune(BUILTIN_TIERS[2], WEB))).toBe(JSON.stringify(tune(BUILTIN_TIERS[2], WEB)));
  });
});

describe('cross-field rules catch broken combinations', () => {
  const base = () => structuredClone(tune(BUILTIN_TIERS[0], WEB));
  it.each([
    [
      'pgbouncer-clients-cover-app',
      (t: ReturnType<typeof base>) => {
        t.settings.pgbouncer!.max_client_conn.value = 3;
      },
    ],
    [
      'pool-within-postgres',
      (t: ReturnType<typeof base>) => {
        t.settings.postgres!.max_connections.value = 5;
      },
    ],
    [
      'gunicorn-before-nginx',
      (t: ReturnType<typeof base>) => {
        t.settings.nginx.proxy_read_timeout.value = 30;
      },
    ],
    [
      'pool-wait-before-gunicorn',
      (t: ReturnType<typeof base>) => {
        t.settings.pgbouncer!.query_wait_timeout.value = 120;
      },
    ],
    [
      'upstream-keepalive-order',
      (t: ReturnType<typeof base>) => {
        t.settings.gunicorn.keepalive.value = 5;
      },
    ],
    [
      'worst-case-fits',
      (t: ReturnType<typeof base>) => {
        t.budget.components.redis = 400;
      },
    ],
  ])('%s', (id, mutate) => {
    const t = base();
    mutate(t);
    expect(broken(t).join('\n')).toMatch(new RegExp(`^${id}:`, 'm'));
    expect(RULES.find((r) => r.id === id)!.fields.length).toBeGreaterThan(0);
  });
});

describe('a tier too small for the stack', () => {
  const tiny: Tier = { ...BUILTIN_TIERS[0], name: 'pico', ramMiB: 256 };
  it('fails with how much is missing and what to change', () => {
    let err: unknown;
    try {
      tune(tiny, WEB);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TierTooSmallError);
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/tier pico\.ramMiB = 256/);
    expect(msg).toMatch(/needs \d+ MiB more/);
    expect(msg).toMatch(/use a tier with at least \d+ MiB/);
  });

  it('fits once given what the message asks for', () => {
    let msg = '';
    try {
      tune(tiny, WEB);
    } catch (e) {
      msg = (e as Error).message;
    }
    const want = Number(/at least (\d+) MiB/.exec(msg)![1]);
    expect(() => tune({ ...tiny, ramMiB: want }, WEB)).not.toThrow();
  });
});

describe('gunicorn process model', () => {
  const nano = BUILTIN_TIERS[0];
  const costMiB = (w: number, t: number) => WEB.app.masterMiB + w * workerCostMiB(WEB.app, t);
  it('runs one process per vCPU (at least 2) with MAX_THREADS threads when memory allows', () => {
    for (const t of BUILTIN_TIERS) {
      const g = settingValues(tune(t, WEB, DISTROS.debian13.osShare).settings).gunicorn;
      expect([g.workers, g.threads], t.name).toEqual([Math.max(2, t.vcpus), MAX_THREADS]);
    }
    // The AMI's larger OS share leaves nano less: its threads give way first, and the reason says so.
    for (const t of BUILTIN_TIERS) {
      const g = tune(t, WEB).settings.gunicorn;
      expect(g.workers.value, t.name).toBe(Math.max(2, t.vcpus));
      if (t.name !== 'nano') expect(g.threads.value, t.name).toBe(MAX_THREADS);
    }
    const nanoAmi = tune(nano, WEB).settings.gunicorn.threads;
    expect(nanoAmi.value).toBeLessThan(MAX_THREADS);
    expect(nanoAmi.reason).toMatch(/cut from 16 to fit/);
  });
  it('gives up threads before processes, and says so', () => {
    const g = tuneGunicorn(nano, WEB.app, costMiB(2, 8));
    expect([g.workers.value, g.threads.value]).toEqual([2, 8]);
    expect(g.threads.reason).toMatch(new RegExp(`cut from ${MAX_THREADS} to fit ${costMiB(2, 8)} MiB`));
    const tight = tuneGunicorn(nano, WEB.app, costMiB(2, 4) - 1);
    expect([tight.workers.value, tight.threads.value]).toEqual([1, 4]);
  });
});
