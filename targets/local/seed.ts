/** The NoCloud seed that stands in for EC2 user data: rendered user data + this launch's key + static net. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
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

type Doc = Record<string, unknown>;

/** Pure: merges the launch's identity into the rendered user data without dropping any of its keys. */
export function buildSeed(input: SeedInput): Seed {
  const text = input.userData.replace(/^\uFEFF/, '');
  if (!text.startsWith('#cloud-config')) {
    throw new Error('the rendered user-data must be plain `#cloud-config` YAML for the local target (no MIME, gzip or jinja)');
  }
  const doc = (parse(text, { version: '1.1' }) ?? {}) as Doc;
  const kilnUser = {
    name: BOX_USER, shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true,
    ssh_authorized_keys: [input.publicKey],
  };
  const users = Array.isArray(doc.users) ? [...(doc.users as unknown[])] : ['default'];
  const merged: Doc = {
    // Minbase has no locales and no hosts entry for the box's name (FIELD-NOTES).
    locale: 'C.UTF-8',
    manage_etc_hosts: true,
    ...doc,
    users: [...users.filter((u) => (u as Doc)?.name !== BOX_USER), kilnUser],
    ssh_authorized_keys: [...((doc.ssh_authorized_keys as string[] | undefined) ?? []), input.publicKey],
  };
  const networkConfig = {
    version: 2,
    ethernets: {
      eth0: {
        addresses: [`${input.net.guestAddress}/${input.net.prefixLen}`],
        routes: [{ to: '0.0.0.0/0', via: input.net.hostAddress }],
      },
    },
  };
  return {
    userData: `#cloud-config\n${stringify(merged, { version: '1.1', lineWidth: 0 })}`,
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
