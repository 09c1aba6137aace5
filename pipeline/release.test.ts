/** A release's figures: the tuning takes the measured ones, and an app too big for its tier names the smallest that fits. */
import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { tune } from '../images/tuning/index.ts';
import { WEB, type Recipe } from '../images/web.ts';
import { ranOutOfMemory } from '../targets/target.ts';
import type { AppPayload } from './app-payload.ts';
import { AppDoesNotFitError, assertFits, didNotBootError, profileKey, releaseKey, withProfile, type StoredProfile } from './release.ts';

const catalog = buildCatalog();
const tier = (n: string) => findTier(catalog, n);
const app: Recipe = { ...WEB, app: { ...WEB.app, name: 'shop', source: { kind: 'dir', path: '/src/shop' }, profileSource: 'assumed' } };
const payload: AppPayload = {
  kind: 'dir',
  path: '/src/shop',
  name: 'shop',
  files: ['manage.py'],
  sha256: 'a'.repeat(64),
  requirements: { path: '/src/shop/requirements.txt', sha256: 'b'.repeat(64) },
  addGunicorn: true,
};

describe('release figures', () => {
  it('tunes to the measured figures: a heavier worker gets fewer threads, and the lineage says measured', () => {
    const light = withProfile(app, { workerPrivateMiB: 30, threadMiB: 0.5, workerGrowthMiB: 4, masterMiB: 50 });
    const heavy = withProfile(app, { workerPrivateMiB: 230, threadMiB: 2, workerGrowthMiB: 23, masterMiB: 60 });
    expect(heavy.app.profileSource).toBe('measured');
    const g = (r: Recipe) => tune(tier('micro'), r).settings.gunicorn;
    expect(g(light).threads.value).toBe(16);
    expect(g(heavy).workers.value * g(heavy).threads.value).toBeLessThan(g(light).workers.value * g(light).threads.value);
  });

  it('an app that cannot fit its tier fails (exit 1) naming its measured cost, the budget and the smallest tier that fits', () => {
    const huge = withProfile(app, { workerPrivateMiB: 900, threadMiB: 2, workerGrowthMiB: 90, masterMiB: 120 });
    expect(() => assertFits(tier('nano'), huge, catalog)).toThrow(AppDoesNotFitError);
    const e = (() => {
      try {
        assertFits(tier('micro'), huge, catalog);
      } catch (x) {
        return x as AppDoesNotFitError;
      }
      return null;
    })();
    expect(e?.exitCode).toBe(1);
    expect(e?.message).toMatch(
      /^app shop measured 900 MiB private per worker \(\+2 MiB per thread, \+90 MiB growth, master 120 MiB\): the stack's worst case needs \d+ MiB more .* on tier micro; the smallest tier that fits is small \(2048 MiB\)$/,
    );
    expect(() => assertFits(tier('small'), huge, catalog)).not.toThrow();
  });

  it('an app that runs its box out of memory at first boot fails (exit 1) with the OOM kills, and the tier to measure it on', () => {
    const oom = { oomKills: 2, peakMiB: 511, limitMiB: 512, heldMiB: 300 };
    const e = didNotBootError(tier('nano'), app, catalog, oom, []);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'app shop did not come up on tier nano (512 MiB) at first boot: the kernel OOM-killed 2 process(es) in the box (peak 511 of 512 MiB); bake it for micro (1024 MiB), where kiln measures it',
    );
    // No kill, but what cannot be reclaimed fills the box: it thrashes until the boot gives up.
    const thrash = { oomKills: 0, peakMiB: 512, limitMiB: 512, heldMiB: 480 };
    expect(ranOutOfMemory(thrash)).toBe(true);
    expect(ranOutOfMemory({ ...thrash, heldMiB: 200 })).toBe(false);
    expect(didNotBootError(tier('nano'), app, catalog, thrash, []).message).toMatch(
      /at first boot: its processes held 480 of 512 MiB that cannot be reclaimed \(peak 512 MiB\), no OOM kill; bake it for micro/,
    );
    // Figures of the same build measured on a larger tier name the smallest tier that fits.
    const measured: StoredProfile = {
      key: 'k',
      measuredAt: '2026-01-01T00:00:00.000Z',
      imageRef: 'local-1',
      profile: { workerPrivateMiB: 900, threadMiB: 2, workerGrowthMiB: 90, masterMiB: 120, evidence: '' } as StoredProfile['profile'],
    };
    expect(didNotBootError(tier('nano'), app, catalog, oom, [measured]).message).toMatch(
      /^app shop did not come up on tier nano .*\(peak 511 of 512 MiB\); measured on local-1: 900 MiB private per worker .* the smallest tier that fits is small \(2048 MiB\)$/,
    );
  });

  it('keys the stored figures by build, requirements, tier and distro; the channel is <tier>.<app>', () => {
    const k = profileKey(payload, tier('small'), 'ubuntu2404');
    expect(profileKey(payload, tier('small'), 'ubuntu2404')).toBe(k);
    expect(profileKey({ ...payload, sha256: 'c'.repeat(64) }, tier('small'), 'ubuntu2404')).not.toBe(k);
    expect(profileKey(payload, tier('micro'), 'ubuntu2404')).not.toBe(k);
    expect(profileKey(payload, tier('small'), 'debian12')).not.toBe(k);
    expect(releaseKey(tier('small'), app)).toBe('small.shop');
  });
});

describe('tuning a heavy app', () => {
  it("grows the app server's share before cutting a worker: pretix's figures keep 2 workers on small; on micro the measured OS share leaves room for 1", async () => {
    const { minPageCacheMiB } = await import('../images/tuning/index.ts');
    const pretix = withProfile(app, { workerPrivateMiB: 193.5, threadMiB: 1.25, workerGrowthMiB: 19.5, masterMiB: 162.5 });
    const small = tune(tier('small'), pretix);
    expect(small.settings.gunicorn.workers.value).toBe(2);
    expect(small.budget.headroomMiB).toBeGreaterThanOrEqual(minPageCacheMiB(tier('small')));
    // micro: 1024 MiB less the AMI's 161 MiB OS share cannot hold two 213 MiB workers beside Postgres and Redis.
    const t = tune(tier('micro'), pretix);
    expect(t.settings.gunicorn.workers.value).toBe(1);
    expect(t.settings.gunicorn.workers.reason).toMatch(/cut to fit \d+ MiB/);
    expect(t.settings.gunicorn.threads.value).toBeGreaterThanOrEqual(4);
    expect(t.budget.headroomMiB).toBeGreaterThanOrEqual(minPageCacheMiB(tier('micro')));
    // The canary is light: its share never moves, so its images stay as they were.
    expect(tune(tier('micro'), WEB).settings.gunicorn.workers.value * tune(tier('micro'), WEB).settings.gunicorn.threads.value).toBe(32);
  });
});
