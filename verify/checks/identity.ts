/** This instance has its own identity: a fresh machine-id and host keys generated on first boot, not baked. */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, error, fail, pass } from './types.ts';

export interface IdentityExpectations {
  /** The machine-id baked into the image (empty when the image was cleaned properly). */
  imageMachineId: string;
  /** SHA256 fingerprints of host keys that existed at bake time (should be none; any match = shared key). */
  imageHostKeyFingerprints: readonly string[];
  /** The key `kiln launch` reported: it must be one of the keys on disk. */
  presentedHostKeyFingerprint?: string;
}

const SCRIPT = [
  `printf 'MID\\t%s\\n' "$(cat /etc/machine-id 2>/dev/null)"`,
  `printf 'DBUS\\t%s\\n' "$(cat /var/lib/dbus/machine-id 2>/dev/null)"`,
  `for f in /etc/ssh/ssh_host_*_key.pub; do [ -e "$f" ] && printf 'KEY\\t%s\\t%s\\n' "$f" "$(ssh-keygen -lf "$f" | cut -d' ' -f2)"; done; true`,
].join('; ');

export interface IdentitySeen {
  machineId: string;
  dbusMachineId: string;
  hostKeys: { path: string; fingerprint: string }[];
}

export function parseIdentity(text: string): IdentitySeen {
  const seen: IdentitySeen = { machineId: '', dbusMachineId: '', hostKeys: [] };
  for (const line of text.split('\n')) {
    const [tag, a = '', b = ''] = line.split('\t');
    if (tag === 'MID') seen.machineId = a.trim();
    if (tag === 'DBUS') seen.dbusMachineId = a.trim();
    if (tag === 'KEY' && b) seen.hostKeys.push({ path: a, fingerprint: b.trim() });
  }
  return seen;
}

export function judgeIdentity(seen: IdentitySeen, exp: IdentityExpectations): CheckResult[] {
  const mid = seen.machineId;
  const midProblems: string[] = [];
  if (!/^[0-9a-f]{32}$/.test(mid)) midProblems.push(`machine-id is ${mid ? `malformed (${mid})` : 'empty'}`);
  if (mid && mid === exp.imageMachineId.trim()) midProblems.push("machine-id equals the image's: every instance would share it");
  if (seen.dbusMachineId && seen.dbusMachineId !== mid)
    midProblems.push(`/var/lib/dbus/machine-id (${seen.dbusMachineId}) differs from /etc/machine-id`);
  const machineId = midProblems.length
    ? fail('identity:machine-id', midProblems.join('; '), { machineId: mid })
    : pass('identity:machine-id', `machine-id ${mid} is fresh`, { machineId: mid });

  const fps = seen.hostKeys.map((k) => k.fingerprint);
  const keyProblems: string[] = [];
  if (fps.length === 0) keyProblems.push('no host keys in /etc/ssh');
  const baked = fps.filter((f) => exp.imageHostKeyFingerprints.includes(f));
  if (baked.length) keyProblems.push(`host keys baked into the image: ${baked.join(' ')}`);
  if (exp.presentedHostKeyFingerprint && !fps.includes(exp.presentedHostKeyFingerprint)) {
    keyProblems.push(`the key sshd presented (${exp.presentedHostKeyFingerprint}) is not one of /etc/ssh/ssh_host_*`);
  }
  const hostKeys = keyProblems.length
    ? fail('identity:host-keys', keyProblems.join('; '), { hostKeys: seen.hostKeys })
    : pass('identity:host-keys', `${fps.length} host keys, none from the image`, { hostKeys: seen.hostKeys });
  return [machineId, hostKeys];
}

export async function checkIdentity(remote: Remote, exp: IdentityExpectations): Promise<CheckResult[]> {
  const r = await remote.exec(SCRIPT, { timeoutSec: DEFAULT_TIMEOUT_SEC, asRoot: true });
  if (r.exitCode !== 0) return [error('identity', `could not read identity: ${(r.stderr || r.stdout).trim().slice(0, 300)}`)];
  return judgeIdentity(parseIdentity(r.stdout), exp);
}
