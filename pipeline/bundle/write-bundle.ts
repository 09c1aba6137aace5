/** Writes a render to disk: image files under rootfs/, bundle files as they are, manifest.json; all or nothing. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../../images/errors.ts';
import type { Rendered } from '../../images/render.ts';
import { payloadPaths, payloadRecord, writePayload, type AppPayload } from '../app-payload.ts';
import { notReplaceable } from './kiln-owned.ts';
import { renderJson } from './render-json.ts';
import { replaceDir } from './replace-dir.ts';

export const MANIFEST = 'manifest.json';
/** manifest.json's first field: with the file lists, what tells a render kiln may replace from anyone else's directory. */
export const GENERATOR = 'kiln';

/** Where a rendered path lands inside the output dir. */
export const outPath = (out: string, path: string): string => (path.startsWith('/') ? join(out, 'rootfs', path) : join(out, path));

/** The files of one render and its manifest.json, into `dir` (which exists and is empty). */
async function fillBundle(dir: string, rendered: Rendered, payload: AppPayload | null): Promise<void> {
  for (const f of rendered.files) {
    const dest = outPath(dir, f.path);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, f.content);
    await chmod(dest, parseInt(f.mode, 8));
  }
  if (payload) await writePayload(dir, payload);
  const manifest = { generator: GENERATOR, ...renderJson(rendered, '.'), app: payloadRecord(payload), payloadFiles: payloadPaths(payload) };
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Refuses (exit 2, nothing touched) a directory kiln did not render: it would be replaced whole. */
async function checkReplaceable(outDir: string, out: string, all: boolean): Promise<void> {
  const problem = await notReplaceable(out, all);
  if (problem) {
    throw new InputError(
      '--out',
      outDir,
      `an empty or missing directory, or one kiln rendered${all ? ' with --all' : ''} (its manifest.json lists every file in it); this one ${problem}`,
      "pass another --out, or move that directory's contents away yourself",
    );
  }
}

/**
 * Writes into a temp sibling, then swaps it in: a crash leaves the old render or none, never half of one.
 * A team's app (the payload) goes in beside the rendered files, under app/.
 */
export async function writeBundle(outDir: string, rendered: Rendered, payload: AppPayload | null = null): Promise<string> {
  const out = resolve(outDir);
  await checkReplaceable(outDir, out, false);
  await replaceDir(out, (tmp) => fillBundle(tmp, rendered, payload));
  return out;
}

/** `render --all`: every render under `<outDir>/<tier>/`, swapped in once — any failure leaves the old output as it was. */
export async function writeBundles(outDir: string, renders: Rendered[], payload: AppPayload | null = null): Promise<string> {
  const out = resolve(outDir);
  await checkReplaceable(outDir, out, true);
  await replaceDir(out, async (tmp) => {
    for (const r of renders) {
      const dir = join(tmp, r.context.tier.name);
      await mkdir(dir);
      await fillBundle(dir, r, payload);
    }
  });
  return out;
}
