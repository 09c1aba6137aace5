/** Test fixture: a real OpenSSH sshd on 127.0.0.1, everything it owns inside one temp dir, stopped by PID. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { HostDescription } from '../../model/host.ts';

export interface LocalSshd {
  dir: string;
  host: HostDescription;
  /** A second host key line, NOT the server's: for mismatch tests. */
  otherHostKey: string;
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const keygen = (path: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kiln-test', '-f', path]);

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`sshd exited with ${child.exitCode}`));
      const sock = netConnect({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error('sshd did not listen in time'));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSshd(): Promise<LocalSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sshd-'));
  keygen(join(dir, 'ssh_host_ed25519_key'));
  keygen(join(dir, 'client_key'));
  keygen(join(dir, 'other_host_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  // sshd's compiled-in privilege separation dir; it is absent on machines without systemd.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const port = await freePort();
  const config = [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  try {
    await waitForPort(port, child, 10_000);
  } catch (err) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}: ${log}`);
  }
  const pid = child.pid!;
  const line = (p: string) => readFileSync(p, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    dir,
    pid,
    host: {
      address: '127.0.0.1',
      port,
      user: userInfo().username,
      keyPath: join(dir, 'client_key'),
      hostKey: line(join(dir, 'ssh_host_ed25519_key.pub')),
    },
    otherHostKey: line(join(dir, 'other_host_key.pub')),
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        process.kill(pid, 'SIGTERM');
      }),
  };
}
