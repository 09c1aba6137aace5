/** kiln's own version (package.json's), and the git commit when kiln runs from a checkout and git is there. */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let version: string | undefined;

/** package.json's version, read once: every verdict and summary of a run records the same string. */
export function kilnVersion(): string {
  if (version === undefined) {
    const v = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version;
    // A kiln without a version cannot say what wrote a document: that is a broken install, not a user error.
    if (typeof v !== 'string' || !v) throw new Error(`package.json at ${ROOT} has no version`);
    version = v;
  }
  return version;
}

/** The checkout's commit (short, `-dirty` when files differ), or null: no git, not a checkout, or git fails. */
export function kilnCommit(): string | null {
  try {
    const rev = spawnSync('git', ['-C', ROOT, 'rev-parse', '--show-toplevel', 'HEAD'], { encoding: 'utf8', timeout: 5000 });
    const [top, sha] = rev.status === 0 ? rev.stdout.trim().split('\n') : [];
    // Only kiln's own checkout: kiln unpacked inside another project's repository has no commit of its own.
    if (!top || !sha || realpathSync(top) !== realpathSync(ROOT) || !/^[0-9a-f]{40,64}$/.test(sha)) return null;
    const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', timeout: 5000 });
    return `${sha.slice(0, 12)}${dirty.status === 0 && dirty.stdout.trim() ? '-dirty' : ''}`;
  } catch {
    return null;
  }
}

/** The line `kiln --version` prints. */
export const versionLine = (v: string, commit: string | null): string => `kiln ${v}${commit ? ` (git ${commit})` : ''}`;
