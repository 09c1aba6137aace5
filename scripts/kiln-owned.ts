/**
 * Whether kiln may replace a directory: only an empty or missing one, or one kiln rendered — its manifest.json
 * says kiln wrote it and lists every file in it. A project's own manifest.json (or a user's file beside a render) is never kiln's.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GENERATOR, MANIFEST, outPath } from './write-bundle.ts';

/** A manifest of thousands of app files stays far below this; a bigger one is not kiln's. */
const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Why `dir` is not a render kiln may replace, or null when it is (or is empty, or absent). `all`: a `render --all` dir, one render per entry. */
export async function notReplaceable(dir: string, all: boolean): Promise<string | null> {
  const st = await lstat(dir).catch((e) => (errno(e) === 'ENOENT' ? null : Promise.reject(e)));
  if (!st) return null;
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  const entries = (await readdir(dir)).sort();
  if (!entries.length) return null;
  if (!all) return bundleProblem(dir);
  for (const e of entries) {
    const problem = await bundleProblem(join(dir, e));
    if (problem) return `holds ${e}, which ${problem}`;
  }
  return null;
}

/** The files (relative) a kiln manifest says its directory holds, or a reason it is not kiln's. */
function listedFiles(text: string): Set<string> | string {
  let doc: { generator?: unknown; files?: unknown; payloadFiles?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    return 'has a manifest.json that is not JSON';
  }
  if (typeof doc !== 'object' || doc === null || doc.generator !== GENERATOR) return `has a manifest.json kiln did not write (no "generator": "${GENERATOR}")`;
  const files = doc.files;
  const payload = doc.payloadFiles;
  if (!Array.isArray(files) || !files.every((f) => typeof f?.path === 'string') || !Array.isArray(payload) || !payload.every((p) => typeof p === 'string')) {
    return 'has a manifest.json without the file lists kiln writes';
  }
  return new Set([MANIFEST, ...files.map((f: { path: string }) => outPath('', f.path)), ...(payload as string[])]);
}

async function bundleProblem(dir: string): Promise<string | null> {
  const st = await lstat(dir);
  if (!st.isDirectory()) return 'is not a directory kiln rendered';
  const m = await lstat(join(dir, MANIFEST)).catch(() => null);
  if (!m || !m.isFile()) return `holds no ${MANIFEST} of kiln's`;
  if (m.size > MAX_MANIFEST_BYTES) return `has a ${MANIFEST} larger than kiln writes`;
  const listed = listedFiles(await readFile(join(dir, MANIFEST), 'utf8'));
  if (typeof listed === 'string') return listed;
  const dirs = new Set<string>();
  for (const f of listed) for (let d = dirname(f); d !== '.' && d !== '/'; d = dirname(d)) dirs.add(d);
  // Every entry must be one kiln wrote: a file the manifest lists, or a directory on the way to one.
  const walk = async (rel: string): Promise<string | null> => {
    for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel ? join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        if (!dirs.has(path)) return `holds ${path}/, which its ${MANIFEST} does not list`;
        const deeper = await walk(path);
        if (deeper) return deeper;
      } else if (!e.isFile()) return `holds ${path}, which is neither a file nor a directory`;
      else if (!listed.has(path)) return `holds ${path}, which its ${MANIFEST} does not list`;
    }
    return null;
  };
  return walk('');
}
