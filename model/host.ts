/** The host description `kiln launch` prints, parsed and validated (bad input -> InputError, exit 2). */
import { existsSync } from 'node:fs';
import ssh2 from 'ssh2';
import { InputError } from '../images/errors.ts';
import { readInputFile, readInputText } from '../images/input-file.ts';

/** The machine beside the box that kiln reaches it through (SSH jump host) and that runs the load. */
export interface VerifierHost {
  address: string;
  port: number;
  user: string;
  keyPath: string;
  /** Pinned like the box's: an OpenSSH public key line or a `SHA256:…` fingerprint. */
  hostKey: string;
  /** Recorded in the verdict's load origin when given (`kiln launch --target aws` gives both). */
  instanceType?: string;
  subnetId?: string;
}

export interface HostDescription {
  address: string;
  port: number;
  user: string;
  /** Private key file used to log in. */
  keyPath: string;
  /** The host's public key as an OpenSSH line (`ssh-ed25519 AAAA… [comment]`) or a `SHA256:…` fingerprint. */
  hostKey: string;
  /** Local target: the box's cgroup v1 memory dir on this host (`cgroup.memory` in `kiln launch --json`). */
  memoryCgroupPath?: string;
  /** Local target: the box's cgroup v1 cpuacct dir on this host (`cgroup.cpuacct`): its CPU time, which /proc/stat inside does not give. */
  cpuacctCgroupPath?: string;
  /** Passed through from `kiln launch --json` when present. */
  target?: string;
  imageRef?: string;
  tier?: string;
  /** Present: SSH to the box goes through it, and the load runs on it (from inside the box's network). */
  verifier?: VerifierHost;
  /** `vm` (`kiln launch --target local --vm`): a whole machine with its own kernel; verify reads its /proc/meminfo. */
  machine?: 'vm';
  /** kvm or tcg, as the launch recorded it. */
  accelerator?: string;
  /** True only when the host says so: then latency thresholds are recorded as not judged. Anything else is judged. */
  emulated?: boolean;
  /** The loopback port that reaches the guest's port 80 (a VM behind qemu's port forward). */
  httpPort?: number;
}

const KEY_LINE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com)\s+[A-Za-z0-9+/]+=*(\s.*)?$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** Accepts the JSON text itself or a path to a file holding it. */
export function parseHost(jsonOrFile: string): HostDescription {
  const text = jsonOrFile.trim().startsWith('{') ? jsonOrFile : readHostFile(jsonOrFile);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      '--host',
      jsonOrFile,
      `valid JSON (${(err as Error).message})`,
      'pass the JSON `kiln launch --json` printed, or a file holding it',
    );
  }
  return validateHost(raw);
}

function readHostFile(path: string): string {
  if (!existsSync(path)) {
    throw new InputError('--host', path, 'a JSON host description or an existing file', 'pass the output of `kiln launch --json`');
  }
  return readInputText('--host', path, 'host JSON file', 'pass the output of `kiln launch --json`');
}

export function validateHost(raw: unknown): HostDescription {
  const { o, login } = validateLogin(raw, 'host');
  const host: HostDescription = login;
  const cg = o.cgroup as Record<string, unknown> | undefined;
  if (cg && typeof cg.memory === 'string' && cg.memory) host.memoryCgroupPath = cg.memory;
  if (cg && typeof cg.cpuacct === 'string' && cg.cpuacct) host.cpuacctCgroupPath = cg.cpuacct;
  for (const key of ['target', 'imageRef', 'tier'] as const) if (typeof o[key] === 'string' && o[key]) host[key] = o[key] as string;
  if (o.machine === 'vm') host.machine = 'vm';
  if (typeof o.accelerator === 'string' && o.accelerator) host.accelerator = o.accelerator;
  if (o.emulated === true) host.emulated = true;
  if (o.httpPort !== undefined) {
    if (typeof o.httpPort !== 'number' || !Number.isInteger(o.httpPort) || o.httpPort < 1 || o.httpPort > 65535) {
      throw new InputError(
        'host.httpPort',
        o.httpPort,
        'an integer 1..65535',
        "set host.httpPort to the port that reaches the box's HTTP, or drop it",
      );
    }
    host.httpPort = o.httpPort;
  }
  if (o.verifier !== undefined) {
    const v = validateLogin(o.verifier, 'host.verifier');
    host.verifier = v.login;
    for (const key of ['instanceType', 'subnetId'] as const)
      if (typeof v.o[key] === 'string' && v.o[key]) host.verifier[key] = v.o[key] as string;
  }
  return host;
}

/** address, port, user, keyPath and hostKey of the box or of its verifier, checked alike. */
function validateLogin(raw: unknown, field: string): { o: Record<string, unknown>; login: VerifierHost } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(field, raw, 'an object { address, port, user, keyPath, hostKey }', 'pass the output of `kiln launch --json`');
  }
  const o = raw as Record<string, unknown>;
  const str = (key: string): string => {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') {
      throw new InputError(`${field}.${key}`, v, 'a non-empty string', `set ${field}.${key}`);
    }
    return v.trim();
  };
  const port = o.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`${field}.port`, port, 'an integer 1..65535', `set ${field}.port to the ssh port`);
  }
  const hostKey = str('hostKey');
  if (!KEY_LINE.test(hostKey) && !FINGERPRINT.test(hostKey)) {
    throw new InputError(
      `${field}.hostKey`,
      hostKey,
      'an OpenSSH public key line or a SHA256:… fingerprint',
      'copy the host key from `kiln launch --json`; never skip host key checking',
    );
  }
  const keyPath = str('keyPath');
  if (!existsSync(keyPath)) {
    throw new InputError(`${field}.keyPath`, keyPath, 'an existing private key file', 'point keyPath at the key `kiln launch` used');
  }
  return { o, login: { address: str('address'), port, user: str('user'), keyPath, hostKey } };
}

/** The public half of the login key as its base64 wire blob (what an authorized_keys line carries). */
export function launchKeyBlob(keyPath: string): string {
  // ssh2 is CommonJS: Node's ESM loader exposes `utils` only on the default export.
  const key = ssh2.utils.parseKey(
    readInputFile('host.keyPath', keyPath, 'private key file', 'point keyPath at the key `kiln launch` used'),
  );
  if (key instanceof Error)
    throw new InputError(
      'host.keyPath',
      keyPath,
      `a private key ssh2 can read (${key.message})`,
      'point keyPath at the key `kiln launch` used',
    );
  const k = Array.isArray(key) ? key[0] : key;
  return k.getPublicSSH().toString('base64');
}
