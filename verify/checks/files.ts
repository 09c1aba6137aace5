/** The files on the host are byte-for-byte the render manifest (sha256 of every absolute-path entry). */
import { type CheckResult, type Remote, error, fail, pass, shellQuote } from './types.ts';

export interface ManifestEntry {
  path: string;
  sha256: string;
}

/** sha256sum escapes names holding `\` or a newline with a leading backslash. */
export function parseSha256sum(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\\?([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) continue;
    const escaped = line.startsWith('\\');
    out.set(escaped ? m[2].replaceAll('\\n', '\n').replaceAll('\\\\', '\\') : m[2], m[1]);
  }
  return out;
}

export function judgeFiles(entries: readonly ManifestEntry[], seen: Map<string, string>): CheckResult {
  const id = 'files:manifest';
  const missing = entries.filter((e) => !seen.has(e.path)).map((e) => e.path);
  const differ = entries.filter((e) => seen.has(e.path) && seen.get(e.path) !== e.sha256.toLowerCase()).map((e) => e.path);
  const data = { checked: entries.length, missing, differ };
  if (missing.length || differ.length) {
    return fail(
      id,
      `${differ.length} differ, ${missing.length} missing of ${entries.length}: ${[...differ, ...missing].slice(0, 10).join(' ')}`,
      data,
    );
  }
  return pass(id, `${entries.length} files match the render manifest`, data);
}

export async function checkFiles(remote: Remote, manifest: readonly ManifestEntry[]): Promise<CheckResult> {
  const id = 'files:manifest';
  // Entries like packer/… or cloud-init/… are build inputs, not files on the host.
  const entries = manifest.filter((e) => e.path.startsWith('/'));
  if (entries.length === 0) return fail(id, 'the manifest has no absolute paths: nothing to compare, refusing to pass');
  const cmd = `sha256sum -- ${entries.map((e) => shellQuote(e.path)).join(' ')}`;
  const r = await remote.exec(cmd, { timeoutSec: 60, asRoot: true });
  // Exit 1 with output means some files are missing: a finding, not a broken check.
  if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== 1)) return error(id, `sha256sum failed: ${r.stderr.trim().slice(0, 300)}`);
  return judgeFiles(entries, parseSha256sum(r.stdout));
}
