/** The configs of a team's release: rendered from the image's recorded recipe and settings, never a fresh tune. */
import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../../images/catalog.ts';
import { DISTROS } from '../../../images/distro.ts';
import { findVariant, VARIANTS } from './index.ts';
import { kilnValues, recordedSide, renderVariant } from './render.ts';
import { releaseBundle, without } from './release-fixture.ts';
import { STOCK } from './stock.ts';
import { SERVICES } from './types.ts';

const kiln = findVariant('kiln')!;
const seed = findVariant('seed')!;
const fileOf = (files: { path: string; content: string }[], end: string) => files.find((f) => f.path.endsWith(end))!.content;

describe('bench configs of a release (recorded bundle)', () => {
  it("kiln renders exactly the release image's service files, tuned to the app's measured memory, not a fresh canary tune", () => {
    const bundle = releaseBundle('micro');
    const r = renderVariant(recordedSide(bundle.manifest), kiln, STOCK);
    const image = new Map(bundle.files.map((f) => [f.path, f.content]));
    expect(r.files.map((f) => f.path)).toEqual([
      '/etc/kiln/gunicorn.conf.py',
      '/etc/nginx/conf.d/kiln.conf',
      '/etc/nginx/nginx.conf',
      '/etc/pgbouncer/pgbouncer.ini',
      '/etc/postgresql/17/main/conf.d/kiln.conf',
      '/etc/redis/redis.conf',
    ]);
    for (const f of r.files) expect(f.content, f.path).toBe(image.get(f.path));
    expect(r.values).toEqual(Object.fromEntries(SERVICES.map((s) => [s, bundle.manifest.settings[s]])));
    // 120 MiB per worker leaves fewer worker threads than the canary's 36 MiB on nano, where memory is tightest.
    const nano = renderVariant(recordedSide(releaseBundle('nano').manifest), kiln, STOCK);
    expect(Number(nano.values.gunicorn!.workers) * Number(nano.values.gunicorn!.threads)).toBeLessThan(
      Number(kilnValues(findTier(buildCatalog(), 'nano')).gunicorn.workers)
        * Number(kilnValues(findTier(buildCatalog(), 'nano')).gunicorn.threads),
    );
  });

  it("kiln's values are the recorded ones: a recorded value is what kiln's file says", () => {
    const bundle = releaseBundle('nano');
    bundle.manifest.settings.gunicorn.workers = 7;
    bundle.manifest.settings.redis.maxmemory_mib = 33;
    const files = renderVariant(recordedSide(bundle.manifest), kiln, STOCK).files;
    expect(fileOf(files, 'gunicorn.conf.py')).toMatch(/^workers = 7$/m);
    expect(fileOf(files, 'redis.conf')).toMatch(/^maxmemory 33mb$/m);
  });

  it("every variant renders with the app's recipe: its WSGI, static location and database; the values are the variant's", () => {
    const side = recordedSide(releaseBundle('nano').manifest);
    for (const v of VARIANTS) {
      const files = renderVariant(side, v, STOCK).files;
      expect(fileOf(files, 'gunicorn.conf.py'), v.name).toMatch(/gunicorn\.conf\.py mysite\.wsgi:application$/m);
      expect(fileOf(files, 'nginx/conf.d/kiln.conf'), v.name).toMatch(/location \^~ \/assets\/ \{/);
      expect(fileOf(files, 'pgbouncer.ini'), v.name).toMatch(/^mysite = /m);
    }
    const s = renderVariant(side, seed, STOCK);
    expect(s.values.gunicorn).toMatchObject({ workers: 2, threads: 2, worker_class: 'gthread' });
    expect(fileOf(s.files, 'gunicorn.conf.py')).toMatch(/^workers = 2$/m);
  });

  it("the distro is the image's: an Ubuntu 24.04 release writes PostgreSQL 16's conf.d", () => {
    const side = recordedSide(releaseBundle('micro', undefined, DISTROS.ubuntu2404).manifest);
    expect(side.distro.id).toBe('ubuntu2404');
    expect(renderVariant(side, findVariant('rules')!, STOCK).files.map((f) => f.path)).toContain(
      '/etc/postgresql/16/main/conf.d/kiln.conf',
    );
  });

  it('an image without Postgres and PgBouncer gets no files or values for them; an unknown distro or unrecorded settings are refused', () => {
    const side = recordedSide(without(releaseBundle('nano'), ['postgres', 'pgbouncer']).manifest);
    expect(side.services).toEqual(['nginx', 'redis', 'gunicorn']);
    for (const v of VARIANTS) {
      const r = renderVariant(side, v, STOCK);
      expect(r.files.map((f) => f.path)).toEqual([
        '/etc/kiln/gunicorn.conf.py',
        '/etc/nginx/conf.d/kiln.conf',
        '/etc/nginx/nginx.conf',
        '/etc/redis/redis.conf',
      ]);
      expect(Object.keys(r.values).sort()).toEqual(['gunicorn', 'nginx', 'redis']);
    }
    const b = releaseBundle('nano');
    expect(() => recordedSide({ ...b.manifest, distro: 'debian99' })).toThrow(/distro debian99, which this kiln does not know/);
    const { redis: _r, ...settings } = b.manifest.settings;
    expect(() => recordedSide({ ...b.manifest, settings })).toThrow(/has redis files but records no settings/);
  });
});
