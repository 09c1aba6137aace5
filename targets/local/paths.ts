/** Where the local target keeps its cache (slow, shareable) and its state (images, instances, registry). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalDirs {
  cacheDir: string;
  stateDir: string;
}

export function defaultCacheDir(): string {
  return resolve(process.env.KILN_CACHE_DIR ?? join(REPO_ROOT, '.kiln/cache'));
}

export function defaultStateDir(): string {
  return resolve(process.env.KILN_STATE_DIR ?? join(REPO_ROOT, '.kiln/state'));
}

/** Host-wide claims (launch ids, subnets) live under /run so two state dirs never collide. */
export const RUN_DIR = '/run/kiln';

export const imagesDir = (stateDir: string) => join(stateDir, 'images');
export const instancesDir = (stateDir: string) => join(stateDir, 'instances');
export const instanceDir = (stateDir: string, id: string) => join(instancesDir(stateDir), id);
