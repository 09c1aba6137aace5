/**
 * Whether kiln may replace a directory: only an empty or missing one, or one kiln rendered — its manifest.json
 * says kiln wrote it and lists every file in it. A project's own manifest.json (or a user's file beside a render) is never kiln's.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GENERATOR, MANIFEST, outPath } from './write-bundle.ts';

/** A manifest of thousands of app files stays far below this; a bigger one is not kiln's. */
const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
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

/** What a manifest says its directory holds: the files (relative), and for an older kiln's render their sha256 to check. */
type Listing = { listed: Set<string>; hashes: Map<string, string> | null };

/** The files a kiln manifest says its directory holds, or a reason it is not kiln's. */
function listedFiles(text: string): Listing | string {
  let doc: { generator?: unknown; files?: unknown; payloadFiles?: unknown; renderHash?: unknown; app?: { kind?: unknown } };
  try {
    doc = JSON.parse(text);
  } catch {
    return 'has a manifest.json that is not JSON';
  }
  if (typeof doc !== 'object' || doc === null) return 'has a manifest.json kiln did not write';
  const files = doc.files;
  if (!Array.isArray(files) || !files.every((f) => typeof f?.path === 'string'))
    return 'has a manifest.json kiln did not write (no list of its files)';
  const rendered = files.map((f: { path: string }) => outPath('', f.path));
  if (doc.generator === GENERATOR) {
    const payload = doc.payloadFiles;
    if (!Array.isArray(payload) || !payload.every((p) => typeof p === 'string'))
      return 'has a manifest.json without the file lists kiln writes';
    return { listed: new Set([MANIFEST, ...rendered, ...(payload as string[])]), hashes: null };
  }
  // A render by a kiln before "generator": kiln's only if it carries no app (whose files it did not list) and every file still has the content it recorded.
  const legacy =
    doc.generator === undefined
    && typeof doc.renderHash === 'string'
    && doc.app?.kind === 'canary'
    && files.every((f) => typeof f.sha256 === 'string');
  if (!legacy) return `has a manifest.json kiln did not write (no "generator": "${GENERATOR}")`;
  return {
    listed: new Set([MANIFEST, ...rendered]),
    hashes: new Map(files.map((f: { path: string; sha256: string }) => [outPath('', f.path), f.sha256])),
  };
}

async function bundleProblem(dir: string): Promise<string | null> {
  const st = await lstat(dir);
  if (!st.isDirectory()) return 'is not a directory kiln rendered';
  const m = await lstat(join(dir, MANIFEST)).catch(() => null);
  if (!m?.isFile()) return `holds no ${MANIFEST} of kiln's`;
  if (m.size > MAX_MANIFEST_BYTES) return `has a ${MANIFEST} larger than kiln writes`;
  const listing = listedFiles(await readFile(join(dir, MANIFEST), 'utf8'));
  if (typeof listing === 'string') return listing;
  const { listed, hashes } = listing;
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
      else if (hashes?.has(path) && sha256(await readFile(join(dir, path))) !== hashes.get(path))
        return `holds ${path}, changed since kiln rendered it`;
    }
    return null;
  };
  return walk('');
}
