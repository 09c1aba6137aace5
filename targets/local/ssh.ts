/** OpenSSH to a box with the launch key and the captured host key (strict checking, always a timeout). */
import { shellQuote } from '../../lib/shell-quote.ts';
import { run, type RunResult } from './exec.ts';

// OpenSSH, not ssh2 (verify/ssh.ts): readiness must prove the box answers the `ssh` a user runs with the known_hosts file the launch prints.

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  keyPath: string;
  knownHostsPath: string;
}

export function sshArgs(t: SshTarget, connectTimeoutSec = 3): string[] {
  return [
    '-i',
    t.keyPath,
    '-p',
    String(t.port),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${t.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `ConnectTimeout=${connectTimeoutSec}`,
    '-o',
    'LogLevel=ERROR',
    `${t.user}@${t.address}`,
  ];
}

/** Runs `command` remotely; the remote side is bounded by `timeout`, the client side by a timer. */
export function sshRun(t: SshTarget, command: string, timeoutSec = 30): Promise<RunResult> {
  const remote = `timeout --kill-after=5s ${timeoutSec} bash -c ${shellQuote(command)}`;
  return run('ssh', [...sshArgs(t), remote], { allowFail: true, timeout: (timeoutSec + 10) * 1000 });
}
