/** The render bundle as bake input: required parts checked, and a content hash over every file. */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { sha256, sha256File } from '../../lib/fsutil.ts';

export const REQUIRED_BUNDLE_FILES = ['provision/provision.sh', 'provision/hygiene.sh', 'manifest.json', 'cloud-init/user-data'] as const;

export interface BundleInfo {
  dir: string;
  /** sha256 over (path, mode, content hash) of every file: any change makes a new image ref. */
  contentHash: string;
  /** sha256 of manifest.json as rendered (the lineage the verdict records). */
  manifestSha256: string;
  fileCount: number;
  /** A team's app the bundle carries (the recipe's app name, the build's sha256); absent for the canary. */
  app?: { name: string; sha256: string };
  /** The distro manifest.json says it was rendered for (absent in hand-made bundles). */
  distro?: string;
}

async function walk(dir: string, root: string, out: string[]): Promise<void> {
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, root, out);
    else {
      const st = await lstat(p);
      const mode = (st.mode & 0o7777).toString(8);
      const body = st.isSymbolicLink() ? `link:${await readlink(p)}` : await sha256File(p);
      out.push(`${relative(root, p)}\t${mode}\t${body}`);
    }
  }
}

export async function inspectBundle(dir: string): Promise<BundleInfo> {
  for (const f of REQUIRED_BUNDLE_FILES) {
    try {
      await lstat(join(dir, f));
    } catch {
      throw new InputError(
        'bundle',
        dir,
        `a render bundle must contain ${REQUIRED_BUNDLE_FILES.join(', ')}; ${f} is missing`,
        'render one with `kiln render --tier T --out DIR` and pass that DIR',
      );
    }
  }
  const lines: string[] = [];
  await walk(dir, dir, lines);
  const manifestText = await readFile(join(dir, 'manifest.json'));
  const doc = (() => {
    try {
      return JSON.parse(manifestText.toString('utf8')) as {
        distro?: unknown;
        app?: { kind?: string; sha256?: string };
        recipe?: { app?: { name?: string } };
      };
    } catch {
      return {};
    }
  })();
  const name = doc.recipe?.app?.name;
  const app = doc.app && doc.app.kind !== 'canary' && name && doc.app.sha256 ? { app: { name, sha256: doc.app.sha256 } } : {};
  const distro = doc.distro;
  return {
    ...app,
    dir,
    contentHash: sha256(lines.join('\n')),
    manifestSha256: sha256(manifestText),
    fileCount: lines.length,
    ...(typeof distro === 'string' ? { distro } : {}),
  };
}
