/** The candidate's SSH host keys, read from its console output (cloud-init prints them on first boot). */
import { GetConsoleOutputCommand, type EC2Client } from '@aws-sdk/client-ec2';

const KEY = /(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,2})/;

/**
 * Pure: the keys between `-----BEGIN SSH HOST KEY KEYS-----` and `-----END …-----`, as `type base64`
 * lines, ed25519 first. Lines may carry a console prefix (`ec2: `, a kernel timestamp): it is ignored.
 */
export function parseHostKeys(consoleText: string): string[] {
  const keys: string[] = [];
  let inside = false;
  for (const line of consoleText.split(/\r?\n/)) {
    if (line.includes('-----BEGIN SSH HOST KEY KEYS-----')) { inside = true; continue; }
    if (line.includes('-----END SSH HOST KEY KEYS-----')) { inside = false; continue; }
    const m = inside ? line.match(KEY) : null;
    if (m && !keys.includes(`${m[1]} ${m[2]}`)) keys.push(`${m[1]} ${m[2]}`);
  }
  const rank = (k: string) => (k.startsWith('ssh-ed25519') ? 0 : k.startsWith('ecdsa') ? 1 : 2);
  return keys.sort((a, b) => rank(a) - rank(b));
}

/** Polls GetConsoleOutput (latest) until the host keys appear; the console lags boot by a minute or more. */
export async function hostKeysFromConsole(
  ec2: EC2Client,
  instanceId: string,
  o: { timeoutSec?: number; intervalSec?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<string[]> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (o.timeoutSec ?? 600) * 1000;
  for (;;) {
    const r = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
    const keys = parseHostKeys(Buffer.from(r.Output ?? '', 'base64').toString('utf8'));
    if (keys.length) return keys;
    if (Date.now() >= deadline) {
      throw new Error(`no SSH host keys in the console output of ${instanceId} after ${o.timeoutSec ?? 600} s (is cloud-init's ssh key printing disabled in the image?); refusing to connect without a pinned host key`);
    }
    await sleep((o.intervalSec ?? 15) * 1000);
  }
}
