/** Every expected kernel parameter has the expected value (whitespace-insensitive: port ranges use tabs). */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, error, fail, pass, shellQuote } from './types.ts';

export type SysctlMap = Readonly<Record<string, string | number>>;

const norm = (v: string | number): string => String(v).trim().split(/\s+/).join(' ');

/**
 * `effectPrefixes`: the keys a box of this target can set for itself (a container owns only its netns's
 * `net.*`; `vm.*` stays the host's). Keys outside are judged by configuration (the sysctl.d file is in the
 * sha256-checked manifest) and say so in their evidence; absent = every key must be in effect.
 */
export function judgeSysctls(expected: SysctlMap, seen: Map<string, string>, effectPrefixes?: readonly string[]): CheckResult[] {
  return Object.keys(expected)
    .sort()
    .map((key) => {
      const id = `sysctl:${key}`;
      const got = seen.get(key);
      if (got === undefined) return error(id, 'no value read');
      const want = norm(expected[key]);
      if (effectPrefixes && !effectPrefixes.some((p) => key.startsWith(p))) {
        return pass(
          id,
          `${key}: host-global on this target, effect not verifiable here (configured ${want} in the checked sysctl.d file; host has ${norm(got)})`,
          { effectVerified: false },
        );
      }
      return norm(got) === want ? pass(id, `${key} = ${norm(got)}`) : fail(id, `${key} = ${norm(got)}, expected ${want}`);
    });
}

/** `net.ipv4.tcp_tw_reuse` -> `/proc/sys/net/ipv4/tcp_tw_reuse` (a `/` in a key stays a `.` in the path). */
export const procPath = (key: string): string =>
  `/proc/sys/${key
    .split('.')
    .map((seg) => seg.replaceAll('/', '.'))
    .join('/')}`;

export async function checkSysctls(remote: Remote, expected: SysctlMap, effectPrefixes?: readonly string[]): Promise<CheckResult[]> {
  const keys = Object.keys(expected);
  if (keys.length === 0) return [fail('sysctl', 'no sysctls given to check: refusing to pass an empty map')];
  // Read /proc/sys directly: the sysctl binary lives in /usr/sbin, off an ordinary login user's PATH.
  const script = keys.map((k) => `printf '%s\\t%s\\n' ${shellQuote(k)} "$(cat ${shellQuote(procPath(k))} 2>&1 | tr '\\n' ' ')"`).join('; ');
  const r = await remote.exec(script, { timeoutSec: DEFAULT_TIMEOUT_SEC });
  const seen = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) seen.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return judgeSysctls(expected, seen, effectPrefixes);
}
