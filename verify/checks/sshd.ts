/** sshd's effective configuration (`sshd -T`) forbids passwords and root password logins. */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, execError, fail, pass, shellQuote } from './types.ts';

/** keyword (lowercase, as `sshd -T` prints it) -> allowed values. */
export type SshdPolicy = Readonly<Record<string, readonly string[]>>;

export const DEFAULT_SSHD_POLICY: SshdPolicy = {
  passwordauthentication: ['no'],
  permitrootlogin: ['no', 'prohibit-password', 'without-password'],
  kbdinteractiveauthentication: ['no'],
  permitemptypasswords: ['no'],
};

export function parseSshdT(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m && !out.has(m[1].toLowerCase())) out.set(m[1].toLowerCase(), m[2].trim());
  }
  return out;
}

export function judgeSshd(seen: Map<string, string>, policy: SshdPolicy): CheckResult[] {
  return Object.keys(policy)
    .sort()
    .map((key) => {
      const id = `sshd:${key}`;
      const got = seen.get(key);
      if (got === undefined) return fail(id, `${key} absent from sshd -T`);
      return policy[key].includes(got) ? pass(id, `${key} ${got}`) : fail(id, `${key} ${got}, allowed: ${policy[key].join('|')}`);
    });
}

/** `configPath` lets tests point at their own sshd_config; on a box the default applies. */
export async function checkSshd(remote: Remote, policy: SshdPolicy = DEFAULT_SSHD_POLICY, configPath?: string): Promise<CheckResult[]> {
  const cmd = `sshd -T${configPath ? ` -f ${shellQuote(configPath)}` : ''}`;
  const r = await remote.exec(`PATH=$PATH:/usr/sbin ${cmd}`, { timeoutSec: DEFAULT_TIMEOUT_SEC, asRoot: true });
  if (r.exitCode !== 0) return [execError('sshd', r)];
  const seen = parseSshdT(r.stdout);
  if (seen.size === 0) return [fail('sshd', 'sshd -T printed nothing')];
  return judgeSshd(seen, policy);
}
