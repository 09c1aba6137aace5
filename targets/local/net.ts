/** Per-launch networking: a netns `kiln-<id>`, a veth `kv-<id>` (host end 10.77.N.1/24, guest end eth0). */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';
import { RUN_DIR } from './paths.ts';

export const SUBNET_PREFIX = '10.77';
export const netnsName = (id: string) => `kiln-${id}`;
export const vethName = (id: string) => `kv-${id}`;
export const netnsPath = (id: string) => `/run/netns/${netnsName(id)}`;

export interface BoxNet {
  index: number;
  hostAddress: string;
  guestAddress: string;
  prefixLen: 24;
}

export const boxNet = (index: number): BoxNet => ({
  index,
  hostAddress: `${SUBNET_PREFIX}.${index}.1`,
  guestAddress: `${SUBNET_PREFIX}.${index}.2`,
  prefixLen: 24,
});

const claimsDir = join(RUN_DIR, 'net');

/** Claims the lowest free 10.77.N.0/24 host-wide (O_EXCL file per N), skipping subnets already on a link. */
export async function claimSubnet(id: string): Promise<BoxNet> {
  await mkdir(claimsDir, { recursive: true });
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  for (let n = 1; n <= 254; n++) {
    if (stdout.includes(` ${SUBNET_PREFIX}.${n}.`)) continue;
    try {
      await writeFile(join(claimsDir, String(n)), id, { flag: 'wx' });
      return boxNet(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`no free subnet in ${SUBNET_PREFIX}.1-254.0/24: destroy boxes or run kiln janitor`);
}

/** Subnet claims, N -> launch id. */
export async function subnetClaims(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const n of await readdir(claimsDir).catch(() => [] as string[])) {
    out.set(Number(n), (await readFile(join(claimsDir, n), 'utf8').catch(() => '')).trim());
  }
  return out;
}

export async function releaseSubnets(id: string): Promise<void> {
  for (const [n, owner] of await subnetClaims()) if (owner === id) await rm(join(claimsDir, String(n)), { force: true });
}

export async function createNetwork(id: string, net: BoxNet): Promise<void> {
  await run('ip', ['netns', 'add', netnsName(id)]);
  // Creating the peer directly inside the netns leaves no guest-side link in the host namespace, ever.
  await run('ip', ['link', 'add', vethName(id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netnsName(id)]);
  await run('ip', ['addr', 'add', `${net.hostAddress}/${net.prefixLen}`, 'dev', vethName(id)]);
  await run('ip', ['link', 'set', vethName(id), 'up']);
}

export async function removeNetwork(id: string): Promise<void> {
  await run('ip', ['link', 'del', vethName(id)], { allowFail: true });
  await run('ip', ['netns', 'del', netnsName(id)], { allowFail: true });
}

export async function listKilnNetns(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith('kiln-'));
}

export async function listKilnVeths(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show'], { allowFail: true });
  return stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith('kv-'));
}
