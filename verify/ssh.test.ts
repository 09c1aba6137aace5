import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SshSession, withSession, wrapCommand } from './ssh.ts';
import { fingerprintOf } from './hostkey.ts';
import { startSshd, type LocalSshd } from './testing/sshd.ts';

let sshd: LocalSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('ssh against a real sshd on loopback', () => {
  it('runs a command and returns its output and exit code', async () => {
    const r = await withSession(sshd.host, (s) => s.exec('echo hello; echo err >&2; exit 3', { timeoutSec: 10 }));
    expect(r.stdout).toBe('hello\n');
    expect(r.stderr).toBe('err\n');
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
  });

  it('accepts the host key given as a SHA256 fingerprint', async () => {
    const blob = Buffer.from(sshd.host.hostKey.split(' ')[1], 'base64');
    const r = await withSession({ ...sshd.host, hostKey: fingerprintOf(blob) }, (s) => s.exec('true', { timeoutSec: 5 }));
    expect(r.exitCode).toBe(0);
  });

  it('refuses a host whose key does not match (fail closed)', async () => {
    await expect(SshSession.connect({ ...sshd.host, hostKey: sshd.otherHostKey })).rejects.toThrow(/host key mismatch/);
    await expect(SshSession.connect({ ...sshd.host, hostKey: `SHA256:${'A'.repeat(43)}` })).rejects.toThrow(/host key mismatch/);
  });

  it('kills a command that outlives its timeout (remote timeout wrapper)', async () => {
    const r = await withSession(sshd.host, (s) => s.exec('sleep 30; echo never', { timeoutSec: 1 }));
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toBe('');
  });

  it('wraps commands in timeout --kill-after and quotes them', () => {
    expect(wrapCommand(`echo 'a b'`, 7, false)).toBe(`timeout --kill-after=5s 7s sh -c 'echo '\\''a b'\\'''`);
    expect(wrapCommand('id -u', 3, true)).toBe(`timeout --kill-after=5s 3s sudo -n sh -c 'id -u'`);
    expect(() => wrapCommand('true', 0, false)).toThrow();
  });

  it('streams lines from one long-lived exec', async () => {
    const lines: string[] = [];
    const r = await withSession(sshd.host, (s) =>
      s.exec('for i in 1 2 3; do echo "tick $i"; sleep 0.2; done', { timeoutSec: 10, onLine: (l) => lines.push(l) }),
    );
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('runs several commands over one session', async () => {
    const out = await withSession(sshd.host, async (s) => {
      const a = await s.exec('id -u', { timeoutSec: 5, asRoot: true });
      const b = await s.exec(`cat ${sshd.dir}/authorized_keys`, { timeoutSec: 5 });
      return [a.stdout.trim(), b.stdout];
    });
    expect(out[0]).toBe(String(process.getuid?.()));
    expect(out[1]).toBe(readFileSync(`${sshd.dir}/client_key.pub`, 'utf8'));
  });
});
