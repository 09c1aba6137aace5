import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier, parseCatalog, validateTier } from './catalog.ts';
import { InputError } from './errors.ts';
import { BUILTIN_TIERS } from './tiers.ts';

const good = {
  name: 'edge',
  ramMiB: 768,
  vcpus: 1,
  rootVolumeGiB: 10,
  instanceTypes: { x86_64: ['t3a.small'], arm64: [] },
  slo: { p95Ms: 150, p99Ms: 400, errorRatePct: 0.1, memoryCeilingPct: 85, targetRps: 100 },
};

const fails = (raw: unknown, field: RegExp) => {
  try {
    validateTier(raw, 'catalog.tiers[0]');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).field).toMatch(field);
    expect((e as InputError).message).toMatch(/;/); // names what is allowed; then what to change
    return (e as InputError).message;
  }
  throw new Error('expected an InputError');
};

describe('tier catalog', () => {
  it('has the seven contract tiers in order of size', () => {
    expect(BUILTIN_TIERS.map((t) => t.name)).toEqual(['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']);
    expect(BUILTIN_TIERS.map((t) => [t.ramMiB, t.vcpus])).toEqual([
      [512, 2],
      [1024, 2],
      [2048, 2],
      [4096, 2],
      [8192, 2],
      [16384, 4],
      [32768, 8],
    ]);
    for (const t of BUILTIN_TIERS) expect(validateTier(t, 'builtin')).toEqual(t);
  });

  it('accepts a user tier from YAML and JSON', () => {
    const yaml = `tiers:\n  - name: edge\n    ramMiB: 768\n    vcpus: 1\n    rootVolumeGiB: 10\n    instanceTypes: { x86_64: [t3a.small] }\n    slo: { p95Ms: 150, p99Ms: 400, errorRatePct: 0.1, memoryCeilingPct: 85, targetRps: 100 }\n`;
    expect(parseCatalog(yaml, 'c.yaml')[0].ramMiB).toBe(768);
    expect(parseCatalog(JSON.stringify([good]), 'c.json')[0].name).toBe('edge');
    expect(buildCatalog([validateTier(good, 'x')]).map((t) => t.name)).toContain('edge');
  });

  it.each([
    [{ ...good, vcpus: 0 }, /vcpus/],
    [{ ...good, vcpus: 1.5 }, /vcpus/],
    [{ ...good, ramMiB: 10_000_000 }, /ramMiB/],
    [{ ...good, ramMiB: '512' }, /ramMiB/],
    [{ ...good, ramMiB: Number.NaN }, /ramMiB/],
    [{ ...good, colour: 'red' }, /colour/],
    [{ ...good, name: '../etc' }, /name/],
    [{ ...good, name: 'a b' }, /name/],
    [{ ...good, instanceTypes: { x86_64: ['t3.nano; rm -rf /'] } }, /x86_64/],
    [{ ...good, instanceTypes: { x86_64: [] } }, /instanceTypes/],
    [{ ...good, slo: { ...good.slo, p99Ms: 100 } }, /p99Ms/],
    [{ ...good, slo: { ...good.slo, memoryCeilingPct: 120 } }, /memoryCeilingPct/],
    [{ ...good, slo: { ...good.slo, extra: 1 } }, /slo\.extra/],
    [{ ...good, burstBaselineShare: 0 }, /burstBaselineShare/],
  ])('rejects hostile tier %#', (raw, field) => {
    fails(raw, field);
  });

  it('rejects duplicate names, including a built-in name', () => {
    expect(() => buildCatalog([validateTier({ ...good, name: 'nano' }, 'x')])).toThrow(/already defined/);
    expect(() => buildCatalog([validateTier(good, 'x'), validateTier(good, 'y')])).toThrow(/already defined/);
  });

  it('rejects malformed files and unknown tiers with the field named', () => {
    expect(() => parseCatalog('{', 'c.json')).toThrow(/--catalog.*not valid JSON/);
    expect(() => parseCatalog('tiers: []', 'c.yaml')).toThrow(/catalog.tiers/);
    expect(() => parseCatalog('tier: []', 'c.yaml')).toThrow(/catalog.tier/);
    expect(() => findTier(buildCatalog(), 'huge')).toThrow(/--tier = "huge".*known: nano/);
  });
});
