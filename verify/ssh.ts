/**
 * ssh2 client wrapper: pinned host key (fail closed), keepalive, every command bounded twice (remote `timeout` + local timer).
 * A host with a verifier is reached through it (a direct-tcpip channel over the verifier's session, both keys pinned).
 */
import { readInputFile } from '../images/input-file.ts';
import type { Duplex } from 'node:stream';
// ssh2, not the OpenSSH command (targets/local/ssh.ts): one pinned session carries many bounded and streaming commands, and the hop through a verifier.
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { HostDescription, VerifierHost } from '../model/host.ts';
import { pinHostKey } from './hostkey.ts';
import { shellQuote } from '../lib/shell-quote.ts';

export interface ExecResult {
  command: string;
  /** null when the channel closed without an exit status (killed by the client-side timer or a dropped link). */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** true when the remote `timeout` fired (exit 124/137) or the client-side timer closed the channel. */
  timedOut: boolean;
  durationMs: number;
}

export interface ExecOptions {
  timeoutSec: number;
  /** Run through `sudo -n` when the login user is not root. */
  asRoot?: boolean;
  /** Called with each complete stdout line (the long-lived streaming exec). */
  onLine?: (line: string) => void;
  /** Written to the command's stdin, which is then closed. */
  stdin?: Buffer | string;
}

/** Grace the local timer allows beyond the remote `timeout` (its --kill-after plus the round trip). */
const CLIENT_GRACE_SEC = 10;
const REMOTE_KILL_AFTER_SEC = 5;

/** The exact remote command line: `timeout --kill-after=5s Ns [sudo -n] sh -c '<cmd>'`. */
export function wrapCommand(command: string, timeoutSec: number, sudo: boolean): string {
  if (!(timeoutSec > 0) || !Number.isFinite(timeoutSec)) throw new Error(`timeoutSec must be > 0, got ${timeoutSec}`);
  const prefix = sudo ? 'sudo -n ' : '';
  return `timeout --kill-after=${REMOTE_KILL_AFTER_SEC}s ${Math.ceil(timeoutSec)}s ${prefix}sh -c ${shellQuote(command)}`;
}

export interface ConnectOptions {
  readyTimeoutSec?: number;
  keepaliveIntervalSec?: number;
}

export class SshSession {
  /** Set when the link failed after login (keepalive timeout, reset); later execs report it instead of hanging. */
  private linkError: Error | null = null;
  /** The verifier's session this one runs through; closed with it. */
  private jump: SshSession | null = null;

  private constructor(
    private readonly client: Client,
    readonly host: VerifierHost,
  ) {
    // Without a listener, a late 'error' event (e.g. keepalive timeout) would crash the whole process.
    client.on('error', (err) => {
      this.linkError = err;
    });
    client.on('close', () => {
      this.linkError ??= new Error('connection closed');
    });
  }

  /** To the host itself, or through its verifier when it has one. */
  static async connect(host: HostDescription, opts: ConnectOptions = {}): Promise<SshSession> {
    if (!host.verifier) return SshSession.direct(host, opts);
    const jump = await SshSession.direct(host.verifier, opts);
    try {
      const sock = await jump.forward(host.address, host.port);
      const session = await SshSession.direct(host, opts, sock);
      session.jump = jump;
      return session;
    } catch (err) {
      jump.close();
      throw new Error(`through the verifier ${host.verifier.address}: ${(err as Error).message}`);
    }
  }

  /** A TCP stream from this host to `address:port` (what ssh -J does), e.g. the next hop's SSH. */
  forward(address: string, port: number): Promise<Duplex> {
    if (this.linkError) return Promise.reject(this.linkError);
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, address, port, (err, stream) =>
        err ? reject(new Error(`forward to ${address}:${port} refused: ${err.message}`)) : resolve(stream),
      );
    });
  }

  static direct(host: VerifierHost, opts: ConnectOptions = {}, sock?: Duplex): Promise<SshSession> {
    const pin = pinHostKey(host.hostKey);
    let hostKeyRejected = false;
    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: host.user,
      // The key path comes from the host description a user passed (--host): a regular file, capped.
      privateKey: readInputFile('host.keyPath', host.keyPath, 'private key file', 'point keyPath at the key `kiln launch` used'),
      readyTimeout: (opts.readyTimeoutSec ?? 20) * 1000,
      keepaliveInterval: (opts.keepaliveIntervalSec ?? 5) * 1000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const ok = pin.verify(key);
        if (!ok) hostKeyRejected = true;
        return ok;
      },
    };
    if (pin.algorithms) config.algorithms = { serverHostKey: pin.algorithms as never };
    if (sock) config.sock = sock as ConnectConfig['sock'];
    const client = new Client();
    return new Promise((resolve, reject) => {
      client.once('ready', () => resolve(new SshSession(client, host)));
      client.once('error', (err) => {
        client.end();
        reject(
          hostKeyRejected
            ? new Error(`host key mismatch for ${host.address}:${host.port}: refusing to connect (expected ${host.hostKey.slice(0, 60)})`)
            : err,
        );
      });
      client.connect(config);
    });
  }

  /** Runs one command; resolves with whatever happened (never rejects on a remote failure or timeout). */
  exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    const sudo = (opts.asRoot ?? false) && this.host.user !== 'root';
    const wrapped = wrapCommand(command, opts.timeoutSec, sudo);
    const started = Date.now();
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let partial = '';
      let localTimeout = false;
      let settled = false;
      const finish = (exitCode: number | null, signal: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (opts.onLine && partial) opts.onLine(partial);
        resolve({
          command,
          exitCode,
          signal,
          stdout,
          stderr,
          timedOut: localTimeout || exitCode === 124 || exitCode === 137,
          durationMs: Date.now() - started,
        });
      };
      let channel: ClientChannel | undefined;
      const timer = setTimeout(
        () => {
          localTimeout = true;
          channel?.close();
          finish(null, null);
        },
        (opts.timeoutSec + CLIENT_GRACE_SEC) * 1000,
      );
      if (this.linkError) {
        stderr += `exec failed: ${this.linkError.message}`;
        finish(null, null);
        return;
      }
      const onChannel = (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          stderr += `exec failed: ${err.message}`;
          finish(null, null);
          return;
        }
        channel = ch;
        let exitCode: number | null = null;
        let signal: string | null = null;
        ch.on('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        ch.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          stdout += text;
          if (opts.onLine) {
            const lines = (partial + text).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) opts.onLine(line);
          }
        });
        ch.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        ch.on('close', () => finish(exitCode, signal));
        if (opts.stdin !== undefined) ch.end(opts.stdin);
      };
      try {
        this.client.exec(wrapped, onChannel);
      } catch (err) {
        stderr += `exec failed: ${(err as Error).message}`;
        finish(null, null);
      }
    });
  }

  close(): void {
    this.client.end();
    this.jump?.close();
  }
}

/** Connects, runs `fn`, always closes. */
export async function withSession<T>(host: HostDescription, fn: (s: SshSession) => Promise<T>, opts?: ConnectOptions): Promise<T> {
  const session = await SshSession.connect(host, opts);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
