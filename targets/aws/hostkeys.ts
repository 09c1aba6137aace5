/** The candidate's SSH host keys, read from its console output (cloud-init prints them on first boot). */
import { GetConsoleOutputCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { parseHostKeys } from '../../model/host-keys.ts';

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
      throw new Error(
        `no SSH host keys in the console output of ${instanceId} after ${o.timeoutSec ?? 600} s (is cloud-init's ssh key printing disabled in the image?); refusing to connect without a pinned host key`,
      );
    }
    await sleep((o.intervalSec ?? 15) * 1000);
  }
}
