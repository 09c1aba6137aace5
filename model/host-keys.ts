/** SSH host keys as cloud-init prints them on a console (an EC2 console, a qemu serial log). */
const KEY = /(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,2})/;

/**
 * Pure: the keys between `-----BEGIN SSH HOST KEY KEYS-----` and `-----END …-----`, as `type base64`
 * lines, ed25519 first. Lines may carry a console prefix (`ec2: `, a kernel timestamp): it is ignored.
 */
export function parseHostKeys(consoleText: string): string[] {
  const keys: string[] = [];
  let inside = false;
  for (const line of consoleText.split(/\r?\n/)) {
    if (line.includes('-----BEGIN SSH HOST KEY KEYS-----')) {
      inside = true;
      continue;
    }
    if (line.includes('-----END SSH HOST KEY KEYS-----')) {
      inside = false;
      continue;
    }
    const m = inside ? line.match(KEY) : null;
    if (m && !keys.includes(`${m[1]} ${m[2]}`)) keys.push(`${m[1]} ${m[2]}`);
  }
  const rank = (k: string) => (k.startsWith('ssh-ed25519') ? 0 : k.startsWith('ecdsa') ? 1 : 2);
  return keys.sort((a, b) => rank(a) - rank(b));
}
