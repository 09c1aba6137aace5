/** Puts a freshly filled directory where another one was, in one rename: a failure leaves the old one as it was. */
import { chmod, lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const present = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

/**
 * Fills a new temp directory beside `out` with `fill`, then swaps it in for `out` (absent or a directory).
 * The temp name is mkdtemp's (unpredictable, created exclusively) and in `out`'s parent, so the rename stays on one filesystem.
 */
export async function replaceDir(out: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const tmp = await mkdtemp(`${out}.tmp-`);
  try {
    await fill(tmp);
    // mkdtemp makes it 0700; a render is as readable as a directory mkdir would have made.
    await chmod(tmp, 0o755);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (!(await present(out))) {
    await rename(tmp, out).catch(async (e) => {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    });
    return;
  }
  // The old one is moved into a fresh dir of its own (rename onto an existing empty dir would succeed silently).
  const old = await mkdtemp(`${out}.old-`);
  const prev = join(old, 'prev');
  await rename(out, prev).catch(async (e) => {
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
    throw e;
  });
  try {
    await rename(tmp, out);
  } catch (e) {
    await rename(prev, out);
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}
