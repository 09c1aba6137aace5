import { describe, expect, it } from 'vitest';
import { runStreamed } from './process.ts';

const env = { PATH: process.env.PATH };

describe('runStreamed', () => {
  it('streams lines as they come and returns the exit code', async () => {
    const lines: string[] = [];
    const r = await runStreamed('/bin/sh', ['-c', 'echo one; echo two >&2; echo three; exit 3'], {
      env,
      timeoutSec: 30,
      graceSec: 5,
      onLine: (l) => lines.push(l),
    });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false });
    expect(lines.filter((l) => l !== 'two')).toEqual(['one', 'three']);
    expect(lines).toContain('two');
  });

  it('on timeout sends TERM and lets the tool clean up within the grace period', async () => {
    const lines: string[] = [];
    const script = "trap 'echo cleaning up; exit 143' TERM; echo started; while :; do sleep 0.1; done";
    const r = await runStreamed('/bin/sh', ['-c', script], { env, timeoutSec: 1, graceSec: 10, onLine: (l) => lines.push(l) });
    expect(r.timedOut).toBe(true);
    expect(lines).toEqual(['started', 'cleaning up']);
  });

  it('kills with KILL when the tool ignores TERM past the grace period', async () => {
    const r = await runStreamed('/bin/sh', ['-c', 'trap "" TERM; echo started; while :; do sleep 0.1; done'], {
      env,
      timeoutSec: 1,
      graceSec: 1,
    });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });
});
