import { describe, expect, it } from 'vitest';
import { DISTROS } from '../../images/distro.ts';
import { removedSince } from './services/postgres.ts';
import { gapNote, versionOf, withVersionGap, type VersionedProgram } from './version-gap.ts';

const echo = (text: string, image = '1.26'): VersionedProgram => ({ program: 'prog', argv: () => ['echo', text], image: () => image });
const ok = [{ tool: 't', file: '/etc/x', ok: true, output: '' }];

describe("version gap between the host's program and the image's", () => {
  it("reads the first version a program prints, to the image version's precision", () => {
    expect(versionOf('nginx version: nginx/1.22.1', 2)).toBe('1.22');
    expect(versionOf('systemd 252 (252.39-1~deb12u2)', 1)).toBe('252');
    expect(versionOf('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)', 1)).toBe('15');
    expect(versionOf('OpenSSH_9.2, OpenSSL 3.0.19', 2)).toBe('9.2');
    expect(versionOf('Redis server v=7.0.15 sha=0', 2)).toBe('7.0');
    expect(versionOf('no digits', 2)).toBeUndefined();
  });

  it("says nothing when the host runs the image's release, and what is unchecked when not", () => {
    const p = echo('x');
    expect(gapNote(p, '1.26', '1.26')).toBeUndefined();
    expect(gapNote(p, '1.22', '1.26')).toBe(
      'prog 1.22 on this host read this for an image that runs 1.26; not checked here: settings added, removed or re-ranged between them',
    );
    expect(gapNote({ ...p, unchecked: 'the rest' }, '1.22', '1.26')).toMatch(/not checked here: the rest$/);
    expect(gapNote(p, undefined, '1.26')).toMatch(/printed no version; the image runs 1\.26/);
  });

  it('adds the note to every finding of a program of another release (the real program is asked)', async () => {
    expect(await withVersionGap(ok, echo('nginx/1.26.3'), DISTROS.debian13)).toEqual(ok);
    const [f] = await withVersionGap(ok, echo('nginx/1.22.1'), DISTROS.debian13);
    expect(f).toMatchObject({ ok: true, note: expect.stringMatching(/^prog 1\.22 on this host .* runs 1\.26;/) });
    expect(await withVersionGap(ok, undefined, DISTROS.debian13)).toEqual(ok);
  });

  it('every distro names the releases of its stack (what the notes compare against)', () => {
    expect(DISTROS.debian13.versions).toEqual({
      python: '3.13',
      pgbouncer: '1.24',
      redis: '8.0',
      nginx: '1.26',
      openssh: '10.0',
      systemd: '257',
    });
    expect(DISTROS.debian13.pgMajor).toBe(17);
    expect(DISTROS.debian12.versions.python).toBe('3.11');
  });
});

describe('Postgres parameters a newer major removed', () => {
  it('are refused when the image runs that major and the host an older one', () => {
    expect(removedSince(['work_mem', 'old_snapshot_threshold'], 15, 17)).toEqual(['old_snapshot_threshold (removed in PostgreSQL 17)']);
    expect(removedSince(['promote_trigger_file'], 15, 17)).toEqual(['promote_trigger_file (removed in PostgreSQL 16)']);
    expect(removedSince(['old_snapshot_threshold'], 15, 16)).toEqual([]);
    expect(removedSince(['old_snapshot_threshold'], 17, 17)).toEqual([]);
  });
});
