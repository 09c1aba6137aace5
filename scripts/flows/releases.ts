/**
 * The previous release per tier: the last app build that passed `kiln gate`. The build itself is copied into the
 * state dir (the user's path may be gone by the next release), then the record is replaced atomically.
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, tmpName, writeFileAtomic } from '../../targets/local/fsutil.ts';
import { resolveAppBuild, sourceFiles, type AppBuild } from './app-build.ts';

export interface ReleaseRecord {
  version: 1;
  tier: string;
  build: AppBuild;
  /** Where the build came from when it passed (informational; `build.path` is the kept copy). */
  sourcePath: string;
  imageRef: string;
  passedAt: string;
}

export const releasesDir = (stateDir: string) => join(stateDir, 'releases');
export const releasePath = (stateDir: string, tier: string) => join(releasesDir(stateDir), `${tier}.json`);

/** The recorded previous release of `tier`, re-inspected from its kept copy; undefined when none was recorded. */
export async function previousRelease(stateDir: string, tier: string): Promise<ReleaseRecord | undefined> {
  const rec = await readJson<ReleaseRecord>(releasePath(stateDir, tier));
  if (!rec) return undefined;
  // The kept copy must still be the build that passed: a changed or missing copy is not silently trusted.
  const build = await resolveAppBuild(`previous release of ${tier} (${releasePath(stateDir, tier)})`, rec.build.path);
  if (build.sha256 !== rec.build.sha256) throw new Error(`the kept copy of ${tier}'s previous release changed (sha256 ${build.sha256} != recorded ${rec.build.sha256}); pass --previous PATH or remove ${releasePath(stateDir, tier)}`);
  return { ...rec, build };
}

/** Keeps a copy of `build` under releases/builds/<sha256>/ and records it as `tier`'s previous release. */
export async function recordRelease(stateDir: string, tier: string, build: AppBuild, imageRef: string, now = new Date()): Promise<ReleaseRecord> {
  const keepDir = join(releasesDir(stateDir), 'builds', build.sha256);
  const kept = join(keepDir, build.name);
  if (!existsSync(kept)) {
    await mkdir(join(releasesDir(stateDir), 'builds'), { recursive: true });
    const tmp = tmpName(keepDir);
    await mkdir(tmp, { recursive: true });
    try {
      if (build.kind === 'wheel') await cp(build.path, join(tmp, build.name));
      else for (const f of sourceFiles(build.path)) await cp(join(build.path, f), join(tmp, build.name, f));
      await rename(tmp, keepDir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const rec: ReleaseRecord = {
    version: 1, tier, build: { ...build, path: kept }, sourcePath: build.path, imageRef, passedAt: now.toISOString(),
  };
  await writeFileAtomic(releasePath(stateDir, tier), `${JSON.stringify(rec, null, 2)}\n`);
  return rec;
}
