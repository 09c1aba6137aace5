/** The previous-release record: a kept copy of the build, replaced atomically, refused when the copy changed. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../targets/local/paths.ts';
import { CANARY_DIR, resolveAppBuild } from './app-build.ts';
import { previousRelease, recordRelease, releasesDir } from './releases.ts';

let stateDir = '';
beforeAll(async () => { stateDir = await mkdtemp(join(REPO_ROOT, '.kiln/releases-test-')); });
afterAll(async () => rm(stateDir, { recursive: true, force: true }));

describe('previous release record', () => {
  it('is absent until a build passes, then reads back the kept copy', async () => {
    expect(await previousRelease(stateDir, 'nano')).toBeUndefined();
    const build = await resolveAppBuild('--app', CANARY_DIR);
    const rec = await recordRelease(stateDir, 'nano', build, 'local-0123456789abcdef0123', new Date('2026-12-02T00:00:00Z'));
    expect(rec.build.path.startsWith(join(releasesDir(stateDir), 'builds', build.sha256))).toBe(true);
    const back = await previousRelease(stateDir, 'nano');
    expect(back).toMatchObject({ tier: 'nano', imageRef: 'local-0123456789abcdef0123', sourcePath: CANARY_DIR, passedAt: '2026-12-02T00:00:00.000Z' });
    expect(back!.build).toMatchObject({ kind: 'dir', package: 'kiln_canary', sha256: build.sha256 });
    expect(await previousRelease(stateDir, 'micro')).toBeUndefined();
    // Recording the same build again reuses the kept copy; nothing temporary is left behind.
    await recordRelease(stateDir, 'nano', build, 'local-0123456789abcdef0123');
    expect((await readdir(releasesDir(stateDir))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect((await readdir(join(releasesDir(stateDir), 'builds'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a kept copy that no longer is the build that passed', async () => {
    const rec = await previousRelease(stateDir, 'nano');
    await writeFile(join(rec!.build.path, 'kiln_canary/views.py'), '# tampered\n', { flag: 'a' });
    await expect(previousRelease(stateDir, 'nano')).rejects.toThrow(/kept copy of nano's previous release changed/);
  });
});
