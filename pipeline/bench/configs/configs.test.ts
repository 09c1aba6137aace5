import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../../images/catalog.ts';
import { DISTROS } from '../../../images/distro.ts';
import { DEFAULT_LOCAL_DISTRO } from '../../../targets/local/base.ts';
import { render } from '../../../images/render.ts';
import { WEB } from '../../../images/web.ts';
import { VARIANTS, findVariant } from './index.ts';
import { canarySide, kilnValues, renderVariant } from './render.ts';
import { rulesValues } from './rules.ts';
import { SEED_OVERRIDES } from './seed.ts';
import { STOCK } from './stock.ts';
import { overlay, SERVICES } from './types.ts';

const catalog = buildCatalog();
const TIERS = ['nano', 'micro', 'small'].map((n) => findTier(catalog, n));

describe('bench configs', () => {
  it('kiln renders exactly the files of the tuned image', () => {
    for (const tier of TIERS) {
      const image = new Map(render(tier, WEB, DISTROS.debian13).files.map((f) => [f.path, f.content]));
      const r = renderVariant(canarySide(tier), findVariant('kiln')!, STOCK);
      expect(r.files.map((f) => f.path)).toEqual([
        '/etc/kiln/gunicorn.conf.py',
        '/etc/nginx/conf.d/kiln.conf',
        '/etc/nginx/nginx.conf',
        '/etc/pgbouncer/pgbouncer.ini',
        `${DISTROS[DEFAULT_LOCAL_DISTRO].pgConfDir}/conf.d/kiln.conf`,
        '/etc/redis/redis.conf',
      ]);
      for (const f of r.files) expect(f.content, f.path).toBe(image.get(f.path));
    }
  });

  it('seed values are the seed file verbatim on every tier', () => {
    for (const tier of TIERS) {
      const v = findVariant('seed')!.values(tier, kilnValues(tier));
      expect(v.gunicorn).toMatchObject({ workers: 2, threads: 2, worker_class: 'gthread', max_requests: 1000 });
      expect(v.postgres).toMatchObject({ shared_buffers_mib: 128, work_mem_kib: 2600, max_connections: 50 });
      expect(v.pgbouncer).toMatchObject({ pool_mode: 'transaction', default_pool_size: 10 });
      expect(v.redis).toMatchObject({ maxmemory_mib: 50, maxmemory_policy: 'allkeys-lru' });
      const file = renderVariant(canarySide(tier), findVariant('seed')!, STOCK).files.find(
        (f) => f.path.endsWith('conf.d/kiln.conf') && f.path.includes('postgresql'),
      )!;
      expect(file.content).toMatch(/^shared_buffers = 128MB$/m);
      expect(file.content).toMatch(/^work_mem = 2600kB$/m);
    }
  });

  it('rules: 2 x vCPUs + 1 sync workers and PGTune web sizing per tier', () => {
    for (const tier of TIERS) {
      const v = rulesValues(tier);
      expect(v.gunicorn).toMatchObject({ workers: 2 * tier.vcpus + 1, threads: 1, worker_class: 'sync' });
      expect(v.postgres).toMatchObject({
        max_connections: 200,
        shared_buffers_mib: tier.ramMiB / 4,
        effective_cache_size_mib: (tier.ramMiB * 3) / 4,
      });
      expect(Number(v.postgres.work_mem_kib)).toBeGreaterThanOrEqual(4096);
    }
    expect(rulesValues(findTier(catalog, 'xlarge')).gunicorn.workers).toBe(9);
  });

  it("stock is gunicorn's one sync worker and unbounded Redis, the same on every tier", () => {
    const [a, b] = [TIERS[0], TIERS[2]].map((t) => findVariant('stock')!.values(t, kilnValues(t)));
    expect(a).toEqual(b);
    expect(a.gunicorn).toMatchObject({ workers: 1, worker_class: 'sync' });
    expect(a.redis).toMatchObject({ maxmemory_mib: 0, maxmemory_policy: 'noeviction' });
  });

  it('every variant sets exactly the keys kiln renders, and a typo is refused', () => {
    for (const tier of TIERS) {
      const kiln = kilnValues(tier);
      for (const v of VARIANTS) {
        const vals = v.values(tier, kiln);
        for (const s of SERVICES) expect(Object.keys(vals[s]).sort(), `${v.name}.${s}`).toEqual(Object.keys(kiln[s]).sort());
      }
    }
    expect(() => overlay(STOCK, { redis: { maxmemroy_mib: 1 } })).toThrow(/redis.maxmemroy_mib/);
    expect(SEED_OVERRIDES.redis.maxmemory_mib).toBe(50);
  });
});
