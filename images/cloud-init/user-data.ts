/**
 * The cloud-config user data: boot-time only (identity hardening and /etc/kiln/boot.json). Built as an
 * object, serialised for cloud-init's YAML 1.1 reader; no secrets, no shell, no user value as code.
 */
import { InputError } from '../errors.ts';
import { BOOT_JSON_PATH, bootJson, type BootConfig } from './boot-config.ts';
import { emitYaml, type Yaml } from './yaml11.ts';

/** EC2 rejects more than 16 KB of raw user data (before base64). */
export const USER_DATA_MAX_BYTES = 16 * 1024;

export type CloudConfig = { [key: string]: Yaml };

/** Exit 2: only the recipe's values (env, domains) can make the user data grow. */
export class UserDataTooLargeError extends InputError {
  constructor(readonly bytes: number) {
    super(
      'cloud-init/user-data',
      `${bytes} bytes`,
      `EC2 accepts at most ${USER_DATA_MAX_BYTES} bytes of raw user data`,
      'shorten recipe.app.env values or recipe.app.domains (or move large values to SSM and fetch them at boot)',
    );
    this.name = 'UserDataTooLargeError';
  }
}

export function buildUserData(boot: BootConfig): CloudConfig {
  return {
    // Minbase has no locales and no hosts entry for the box's own name.
    locale: 'C.UTF-8',
    manage_etc_hosts: true,
    ssh_pwauth: false,
    disable_root: true,
    write_files: [
      // 0640 root:root: names only, but the app's env values are nobody else's business.
      { path: BOOT_JSON_PATH, permissions: '0640', owner: 'root:root', content: bootJson(boot) },
    ],
  };
}

export interface LaunchIdentity {
  /** One OpenSSH public key line for the login user. */
  sshPublicKey: string;
  hostname?: string;
  /** Login user cloud-init creates (sudo, no password); default `kiln`. */
  user?: string;
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const USER = /^[a-z_][a-z0-9_-]{0,30}$/;

/** Merges one launch's login identity into the user data object (never into its text). Pure: returns a copy. */
export function withLaunchIdentity(doc: CloudConfig, id: LaunchIdentity): CloudConfig {
  const user = id.user ?? 'kiln';
  if (!SSH_KEY.test(id.sshPublicKey)) throw new Error('withLaunchIdentity: sshPublicKey is not one OpenSSH public key line');
  if (!USER.test(user)) throw new Error(`withLaunchIdentity: user ${JSON.stringify(user)} is not a valid login name`);
  if (id.hostname !== undefined && !HOSTNAME.test(id.hostname)) {
    throw new Error(`withLaunchIdentity: hostname ${JSON.stringify(id.hostname)} is not a DNS label`);
  }
  const users = (Array.isArray(doc.users) ? doc.users : ['default']).filter(
    (u) => !(typeof u === 'object' && u !== null && (u as { name?: Yaml }).name === user),
  );
  const login = {
    name: user,
    shell: '/bin/bash',
    sudo: 'ALL=(ALL) NOPASSWD:ALL',
    lock_passwd: true,
    ssh_authorized_keys: [id.sshPublicKey],
  };
  return {
    ...doc,
    ...(id.hostname ? { hostname: id.hostname, preserve_hostname: false } : {}),
    users: [...users, login],
  };
}

/** `#cloud-config` text; throws when over the EC2 limit (validate the plain text: cloud-init schema cannot read gzip). */
export function serializeUserData(doc: CloudConfig): string {
  const text = `#cloud-config\n${emitYaml(doc)}`;
  const bytes = Buffer.byteLength(text);
  if (bytes > USER_DATA_MAX_BYTES) throw new UserDataTooLargeError(bytes);
  return text;
}
