/** Host key pinning: the box's key must equal the one `kiln launch` reported, or the connection fails. */
import { createHash } from 'node:crypto';

export interface PinnedHostKey {
  /** ssh2 `algorithms.serverHostKey` list, so the server offers the pinned key type (absent for a bare fingerprint). */
  algorithms?: string[];
  verify(key: Buffer): boolean;
}

const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
};

/** OpenSSH's fingerprint: SHA256 of the wire-format key blob, base64 without padding. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function pinHostKey(hostKey: string): PinnedHostKey {
  const text = hostKey.trim();
  if (text.startsWith('SHA256:')) {
    const want = text.replace(/=+$/, '');
    return { verify: (key) => fingerprintOf(key) === want };
  }
  const [type, b64] = text.split(/\s+/);
  const want = Buffer.from(b64 ?? '', 'base64');
  if (want.length === 0) return { verify: () => false };
  return {
    algorithms: ALGORITHMS[type],
    verify: (key) => key.length === want.length && key.equals(want),
  };
}
