import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../images/catalog.ts';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import { CANARY_MIX } from '../../verify/defaults.ts';
import { mysite, MYSITE_YAML, releaseBundle, without } from './configs/release-fixture.ts';
import { benchMix } from './capacity.ts';
import { canaryWorkload, releaseWorkload } from './workload.ts';

const nano = findTier(buildCatalog(), 'nano');

describe('bench workload', () => {
  it('the canary: the local default (debian13) stack units, the canary mix (plus /slow with --io-ms), no seed, both survival tests', () => {
    const w = canaryWorkload(nano);
    expect(w.units).toEqual([
      'kiln-app.service',
      'nginx.service',
      'pgbouncer.service',
      'postgresql@17-main.service',
      'redis-server.service',
    ]);
    expect(w).toMatchObject({
      app: 'canary',
      probe: [...CANARY_MIX],
      endpoints: [...CANARY_MIX],
      targetRps: nano.slo.targetRps,
      seed: null,
      survivalTests: ['slow-burst', 'redis-fill'],
      mix: 'the canary mix',
    });
    expect(canaryWorkload(nano, 50).endpoints).toEqual(benchMix(50));
  });

  it('a release: its traffic (methods, bodies, headers, expected statuses) is the mix and the health probe, its rate the start, its seed run', () => {
    const w = releaseWorkload(nano, 'img1', releaseBundle('nano'));
    const post = {
      name: 'POST /api/comments/',
      path: '/api/comments/',
      weight: 1,
      method: 'POST',
      status: 201,
      body: '{"text":"x"}',
      headers: { 'content-type': 'application/json' },
    };
    expect(w.endpoints).toEqual([{ name: 'GET /', path: '/', weight: 6, method: 'GET', status: 200 }, post]);
    expect(w.probe).toEqual(w.endpoints);
    expect(w).toMatchObject({ app: 'mysite', targetRps: 40, seed: ['loaddata', 'demo.json'], survivalTests: ['redis-fill'] });
    expect(w.mix).toBe("mysite's traffic (GET / 6, POST /api/comments/ 1; from 40 req/s)");
  });

  it("units come from the image's drop-ins: PostgreSQL 16 on Ubuntu, none without Postgres; no Redis, no survival test", () => {
    expect(releaseWorkload(nano, 'i', releaseBundle('micro', mysite(), DISTROS.ubuntu2404)).units).toContain('postgresql@16-main.service');
    const lean = releaseWorkload(nano, 'i', without(releaseBundle('nano'), ['postgres', 'pgbouncer', 'redis']));
    expect(lean.units).toEqual(['kiln-app.service', 'nginx.service']);
    expect(lean.survivalTests).toEqual([]);
    expect(lean.services).toEqual(['nginx', 'gunicorn']);
  });

  it("without targetRps the tier's rate is the start; a release without traffic, or the canary image, is bad input", () => {
    const noRate = releaseBundle('nano', mysite(MYSITE_YAML.replace('  targetRps: 40\n', '')));
    expect(releaseWorkload(nano, 'i', noRate).targetRps).toBe(nano.slo.targetRps);
    const noTraffic = releaseBundle('nano', mysite(MYSITE_YAML.slice(0, MYSITE_YAML.indexOf('traffic:'))));
    expect(() => releaseWorkload(nano, 'img9', noTraffic)).toThrow(InputError);
    expect(() => releaseWorkload(nano, 'img9', noTraffic)).toThrow(/image img9: recipe.traffic .*the canary mix is not its traffic/);
    const canary = releaseBundle('nano', mysite('{}'));
    expect(() => releaseWorkload(nano, 'img0', canary)).toThrow(/carries the canary/);
  });
});
