/** Nothing secret was baked: stray private keys, build authorized_keys, .env files, histories, build-time cloud-init state. */
import { type CheckResult, type Remote, error, fail, pass, shellQuote } from './types.ts';

export interface SecretsExpectations {
  /** The user `kiln launch` logs in as (for the evidence). */
  loginUser: string;
  /** Base64 blobs of the launch key(s): an authorized_keys holding only these was written at boot; any other key was baked. */
  launchKeyBlobs: readonly string[];
  /** Files legitimately written at boot (e.g. cloud-init's app env): never findings. */
  allowedPaths: readonly string[];
  /** Directories to search; bounded so the scan stays fast. */
  roots: readonly string[];
  /**
   * Where pip installed the app's dependencies: a PEM marker in a file a distribution's RECORD lists is that
   * package's published content (test vectors, format constants), not a secret of this box. The app's own
   * distribution (`ownDistribution`) gets no such pass: what the team ships is scanned like its project dir.
   */
  packages?: { sitePackages: string; ownDistribution: string | null };
}

export const DEFAULT_SECRET_ROOTS = [
  '/root',
  '/home',
  '/etc',
  '/opt',
  '/srv',
  '/var/www',
  '/var/lib/kiln',
  '/var/lib/postgresql',
  '/var/lib/redis',
  '/var/lib/cloud',
  '/tmp',
  '/var/tmp',
];

const HISTORIES = [
  '.bash_history',
  '.zsh_history',
  '.python_history',
  '.psql_history',
  '.mysql_history',
  '.rediscli_history',
  '.lesshst',
  '.viminfo',
  '.node_repl_history',
];

/**
 * A KEY line, or PKG when the file (or, for a compiled .pyc, its source) is listed in the RECORD of an installed
 * distribution other than the app's own.
 */
function keyLines(packages: SecretsExpectations['packages']): string {
  if (!packages) return `sed 's/^/KEY\\t/'`;
  const own = packages.ownDistribution ? shellQuote(`/${packages.ownDistribution.toLowerCase().replace(/[-.]+/g, '_')}-`) : "''";
  return (
    `while IFS= read -r f; do case "$f" in ${packages.sitePackages}/*) `
    + `rel=\${f#${packages.sitePackages}/}; src=$(printf '%s' "$rel" | sed -E 's#__pycache__/([^/]+)\\.cpython-[0-9]+\\.pyc$#\\1.py#'); `
    + `if grep -lF -- "$src," ${packages.sitePackages}/*.dist-info/RECORD 2>/dev/null | tr A-Z a-z | grep -vF ${own} | grep -q .; then printf 'PKG\\t%s\\n' "$f"; continue; fi;; esac; `
    + `printf 'KEY\\t%s\\n' "$f"; done`
  );
}

/** One tagged line per finding, computed remotely so only names cross the wire. */
export function secretsScript(roots: readonly string[], packages?: SecretsExpectations['packages']): string {
  const r = roots.map(shellQuote).join(' ');
  const hist = HISTORIES.map((h) => `-name ${shellQuote(h)}`).join(' -o ');
  return [
    `R=""; for d in ${r}; do [ -d "$d" ] && R="$R $d"; done`,
    `[ -n "$R" ] && find $R -xdev -type f -size -256k -not -path '/etc/ssh/ssh_host_*_key' -exec grep -lE -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' {} + 2>/dev/null | ${keyLines(packages)}`,
    // One line per key (its base64 blob) so the judge can tell the launch key from a key left by the build.
    `[ -n "$R" ] && find $R -xdev \\( -name authorized_keys -o -name authorized_keys2 \\) -type f 2>/dev/null | while IFS= read -r f; do n=0; for b in $(grep -oE 'AAAA[A-Za-z0-9+/]+=*' "$f"); do printf 'AUTHKEYS\\t%s\\t%s\\n' "$f" "$b"; n=1; done; [ $n = 0 ] && printf 'AUTHKEYS\\t%s\\t\\n' "$f"; done`,
    `[ -n "$R" ] && find $R -xdev -type f \\( -name .env -o -name '.env.*' -o -name '*.env' \\) 2>/dev/null | sed 's/^/ENV\\t/'`,
    `[ -n "$R" ] && find $R -xdev -type f \\( ${hist} \\) 2>/dev/null | sed 's/^/HIST\\t/'`,
    `CUR=$(cat /var/lib/cloud/data/instance-id 2>/dev/null); for d in /var/lib/cloud/instances/*; do [ -d "$d" ] && [ "$(basename "$d")" != "$CUR" ] && printf 'CIINST\\t%s\\n' "$d"; done`,
    `BOOT=$(( $(date +%s) - $(ps -o etimes= -p 1 | tr -d ' ') )); F=$(head -n1 /var/log/cloud-init.log 2>/dev/null | cut -c1-19); [ -n "$F" ] && T=$(date -d "$F" +%s 2>/dev/null) && [ "$T" -lt $((BOOT - 60)) ] && printf 'CILOG\\t/var/log/cloud-init.log starts %s, before this boot\\n' "$F"`,
    'echo DONE',
  ].join('; ');
}

export interface Finding {
  kind: 'KEY' | 'PKG' | 'AUTHKEYS' | 'ENV' | 'HIST' | 'CIINST' | 'CILOG';
  path: string;
  keyBlob?: string;
}

export function parseFindings(text: string): { findings: Finding[]; complete: boolean } {
  const findings: Finding[] = [];
  for (const line of text.split('\n')) {
    const [kind, path, keyBlob] = line.split('\t');
    if (!path || !['KEY', 'PKG', 'AUTHKEYS', 'ENV', 'HIST', 'CIINST', 'CILOG'].includes(kind)) continue;
    findings.push(kind === 'AUTHKEYS' ? { kind, path, keyBlob: keyBlob ?? '' } : { kind: kind as Finding['kind'], path });
  }
  return { findings, complete: /^DONE$/m.test(text) };
}

export function judgeSecrets(findings: readonly Finding[], exp: SecretsExpectations): CheckResult {
  const id = 'secrets';
  const allowed = new Set(exp.allowedPaths);
  const launch = new Set(exp.launchKeyBlobs);
  // cloud-init writes the launch key at boot (for the login user, the distro's default user and root's
  // disable_root stub): only a key other than the launch key is a leftover of the build.
  const packaged = findings.filter((f) => f.kind === 'PKG');
  const bad = findings.filter(
    (f) => f.kind !== 'PKG' && (f.kind === 'AUTHKEYS' ? f.keyBlob !== '' && !launch.has(f.keyBlob!) : !allowed.has(f.path)),
  );
  if (bad.length) {
    return fail(
      id,
      `${bad.length} baked secrets/leftovers: ${bad
        .slice(0, 8)
        .map((f) => `${f.kind} ${f.path}${f.keyBlob ? ` (key …${f.keyBlob.slice(-12)})` : ''}`)
        .join('; ')}`,
      { findings: bad },
    );
  }
  const note = packaged.length
    ? `; ${packaged.length} files of installed packages hold a PEM marker their RECORD lists (e.g. ${packaged[0]!.path})`
    : '';
  return pass(
    id,
    `no stray keys, authorized_keys, .env, histories or build cloud-init state in ${exp.roots.join(' ')}${note}`,
    packaged.length ? { packaged: packaged.map((f) => f.path) } : undefined,
  );
}

export async function checkSecrets(remote: Remote, exp: SecretsExpectations): Promise<CheckResult> {
  if (exp.roots.length === 0) return fail('secrets', 'no search roots given: refusing to pass');
  const r = await remote.exec(secretsScript(exp.roots, exp.packages), { timeoutSec: 120, asRoot: true });
  const { findings, complete } = parseFindings(r.stdout);
  if (r.timedOut || !complete) return error('secrets', `scan did not finish: ${(r.stderr || '').trim().slice(0, 300)}`);
  return judgeSecrets(findings, exp);
}
