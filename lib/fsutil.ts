/** Atomic writes and mount-safe removal: nothing half-written, never delete through a live mount. */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';

export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export const tmpName = (base: string) => `${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Mount points (from this mount namespace) at or below `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const abs = resolve(dir);
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\040/g, ' '))
    .filter((p) => p === abs || p.startsWith(`${abs}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Removes a tree only when nothing is mounted inside it (a bind of /dev there would be fatal). */
export async function removeTree(dir: string): Promise<void> {
  const live = await mountsUnder(dir);
  if (live.length) throw new Error(`refusing to remove ${dir}: still mounted: ${live.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
