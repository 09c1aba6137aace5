/** Writes a render to disk: image files under rootfs/, bundle files as they are, manifest.json; all or nothing. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../images/errors.ts';
import type { Rendered } from '../images/render.ts';
import { payloadRecord, writePayload, type AppPayload } from './flows/app-payload.ts';
import { renderJson } from './render-json.ts';

export const MANIFEST = 'manifest.json';

/** Where a rendered path lands inside the output dir. */
export const outPath = (out: string, path: string): string =>
  path.startsWith('/') ? join(out, 'rootfs', path) : join(out, path);

/**
 * Writes into a temp sibling, then swaps it in: a crash leaves the old render or none, never half of one.
 * A team's app (the payload) goes in beside the rendered files, under app/.
 */
export async function writeBundle(outDir: string, rendered: Rendered, payload: AppPayload | null = null): Promise<string> {
  const out = resolve(outDir);
  if (existsSync(out) && !existsSync(join(out, MANIFEST)) && (await readdir(out)).length > 0) {
    throw new InputError('--out', outDir, 'exists, is not empty and holds no kiln render', 'choose an empty or new directory');
  }
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    for (const f of rendered.files) {
      const dest = outPath(tmp, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.content);
      await chmod(dest, parseInt(f.mode, 8));
    }
    if (payload) await writePayload(tmp, payload);
    await writeFile(join(tmp, MANIFEST), JSON.stringify({ ...renderJson(rendered, '.'), app: payloadRecord(payload) }, null, 2) + '\n');
    const old = `${out}.old-${process.pid}`;
    if (existsSync(out)) await rename(out, old);
    await rename(tmp, out);
    await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return out;
}
