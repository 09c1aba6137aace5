import { describe, expect, it } from 'vitest';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import { bakeDistro, baseKey, DEFAULT_BASE, DEFAULT_LOCAL_DISTRO, LOCAL_BASES, LOCAL_DISTROS } from './base.ts';

describe('base per local distro', () => {
  it('each local distro has its suite; debian13 (trixie) is the default', () => {
    expect(LOCAL_DISTROS).toEqual(['debian13', 'debian12']);
    expect(DEFAULT_LOCAL_DISTRO).toBe('debian13');
    expect(DEFAULT_BASE.suite).toBe('trixie');
    for (const d of LOCAL_DISTROS) {
      expect(LOCAL_BASES[d].suite).toBe(DISTROS[d].codename);
      expect(DISTROS[d].builder).toBe('local');
    }
  });

  it('the suite is part of the cache key, and bookworm keeps the key it always had', () => {
    expect(baseKey(LOCAL_BASES.debian13)).toMatch(/^trixie-minbase-/);
    // The key every existing cache holds its bookworm base under: a per-distro spec must not rebuild it.
    expect(baseKey(LOCAL_BASES.debian12)).toBe('bookworm-minbase-a3c77b942ba444d3');
  });

  it("bakes the bundle's distro, the asked one, or the default; never a bundle on another release's base", () => {
    expect(bakeDistro(undefined, undefined)).toBe('debian13');
    expect(bakeDistro(undefined, 'debian12')).toBe('debian12');
    expect(bakeDistro('debian12', 'debian12')).toBe('debian12');
    expect(bakeDistro('debian12', undefined)).toBe('debian12');
    expect(() => bakeDistro('debian13', 'debian12')).toThrow(/bundle distro = "debian12": the distro being baked \(debian13\)/);
    expect(() => bakeDistro(undefined, 'ubuntu2404')).toThrow(InputError);
    expect(() => bakeDistro(undefined, 'ubuntu2404')).toThrow(/one the local target bakes \(debian13, debian12\)/);
  });
});
