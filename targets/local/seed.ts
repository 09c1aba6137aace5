/** The NoCloud seed that stands in for EC2 user data: rendered user data + this launch's key + static net. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { serializeUserData, withLaunchIdentity, type CloudConfig } from '../../images/cloud-init/user-data.ts';
import type { BoxNet } from './net.ts';

export const BOX_USER = 'kiln';

export interface SeedInput {
  id: string;
  /** The rendered `cloud-init/user-data` text (`#cloud-config`). */
  userData: string;
  /** OpenSSH public key line of this launch's key. */
  publicKey: string;
  net: BoxNet;
}

export interface Seed {
  userData: string;
  metaData: string;
  networkConfig: string;
}

/** Pure: the rendered user data plus this launch's login key and hostname (the renderer's own merge). */
export function buildSeed(input: SeedInput): Seed {
  const text = input.userData.replace(/^\uFEFF/, '');
  if (!text.startsWith('#cloud-config')) {
    throw new Error('the rendered user-data must be plain `#cloud-config` YAML for the local target (no MIME, gzip or jinja)');
  }
  const doc = (parse(text, { version: '1.1' }) ?? {}) as CloudConfig;
  const merged = withLaunchIdentity(doc, { sshPublicKey: input.publicKey, hostname: `kiln-${input.id}`, user: BOX_USER });
  // Version 1, a static subnet with its gateway: ifupdown adds the default route itself. (Version 2 writes a
  // 0.0.0.0/0 route as `route add`, from net-tools, not in the image: it failed silently and boxes had no default
  // route; its `gateway4` is deprecated, a recoverable error that fails the boot check.)
  const networkConfig = {
    version: 1,
    config: [
      {
        type: 'physical',
        name: 'eth0',
        subnets: [{ type: 'static', address: `${input.net.guestAddress}/${input.net.prefixLen}`, gateway: input.net.hostAddress }],
      },
    ],
  };
  return {
    userData: serializeUserData(merged),
    metaData: stringify({ 'instance-id': input.id, 'local-hostname': `kiln-${input.id}` }, { version: '1.1' }),
    networkConfig: stringify(networkConfig, { version: '1.1' }),
  };
}

export async function writeSeed(dir: string, seed: Seed): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'user-data'), seed.userData, { mode: 0o600 });
  await writeFile(join(dir, 'meta-data'), seed.metaData);
  await writeFile(join(dir, 'network-config'), seed.networkConfig);
}
