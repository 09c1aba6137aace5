/**
 * The generator run on another machine over SSH, proven on loopback: real sshds stand in for the verifier and
 * the box, a local HTTP server for the box's nginx. The remote result must have the in-process result's shape.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshSession } from '../ssh.ts';
import { startSshd, type LocalSshd } from '../testing/sshd.ts';
import { installGenerator, runLoadRemote, verifierRunLoad } from './remote.ts';
import { runLoad } from './run.ts';
import { startStallServer, type Started } from './testing/servers.ts';
import type { LoadSpec } from './types.ts';

let verifier: LocalSshd;
let box: LocalSshd;
let http: Started;
beforeAll(async () => {
  [verifier, box, http] = await Promise.all([startSshd(), startSshd(), startStallServer({ delayMs: 1 })]);
}, 30_000);
afterAll(async () => {
  await Promise.all([verifier?.stop(), box?.stop(), http?.stop()]);
});

const spec = (): LoadSpec => ({
  host: '127.0.0.1',
  port: http.port,
  endpoints: [
    { name: 'a', path: '/a', weight: 3 },
    { name: 'b', path: '/b', weight: 1 },
  ],
  rps: 100,
  warmupSec: 0.5,
  durationSec: 2,
  maxConnections: 16,
  timeoutMs: 2000,
  lateToleranceMs: 1000,
});

/** Keys and value types all the way down (arrays by their first element): what a consumer of the JSON relies on. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  return v === null ? 'null' : typeof v;
}

describe('SSH through a verifier (jump host)', () => {
  it('reaches the box through the verifier, both host keys pinned', async () => {
    const s = await SshSession.connect({ ...box.host, verifier: verifier.host });
    try {
      const r = await s.exec('echo through', { timeoutSec: 10 });
      expect(r.stdout).toBe('through\n');
    } finally {
      s.close();
    }
    await expect(SshSession.connect({ ...box.host, verifier: { ...verifier.host, hostKey: verifier.otherHostKey } })).rejects.toThrow(
      new RegExp(`^host key mismatch for 127\\.0\\.0\\.1:${verifier.host.port}`),
    );
    await expect(SshSession.connect({ ...box.host, hostKey: box.otherHostKey, verifier: verifier.host })).rejects.toThrow(
      new RegExp(`through the verifier 127\\.0\\.0\\.1: host key mismatch for 127\\.0\\.0\\.1:${box.host.port}`),
    );
  });
});

describe('the generator on the verifier', () => {
  it('ships itself once, runs there, and returns what the in-process generator returns, in the same shape', async () => {
    const dir = join(verifier.dir, 'gen');
    const s = await SshSession.connect(verifier.host);
    try {
      const first = await installGenerator(s, { dir });
      expect(first).toMatchObject({ uploaded: true, nodeVersion: process.version });
      expect(first.dir.startsWith(`${dir}/`)).toBe(true);
      expect(await installGenerator(s, { dir })).toEqual({ ...first, uploaded: false });

      const remote = await runLoadRemote(s, first, spec());
      const local = await runLoad(spec());
      expect(shape(remote)).toEqual(shape(local));
      expect(remote.spec).toEqual(local.spec);
      expect(remote).toMatchObject({ tool: 'kiln-load', target: { host: '127.0.0.1', port: http.port } });
      expect(remote.measure.scheduled).toBe(200);
      expect(remote.measure.byEndpoint.map((e) => e.scheduled)).toEqual([150, 50]);
      expect(remote.measure.responses + remote.measure.errorTotal).toBe(200);
      expect(remote.series.reduce((a, x) => a + x.sent, 0)).toBe(250);

      await expect(runLoadRemote(s, first, { ...spec(), rps: -1 })).rejects.toThrow(/rps/);
    } finally {
      s.close();
    }
  }, 120_000);

  it('as a runLoad for verify: loads go out from the verifier; an unreachable verifier fails the load, not the caller', async () => {
    const gen = verifierRunLoad(verifier.host, { dir: join(verifier.dir, 'gen') });
    try {
      const r = await gen.runLoad({ ...spec(), durationSec: 1, warmupSec: 0 });
      expect(r.measure.scheduled).toBe(100);
    } finally {
      gen.close();
    }
    const bad = verifierRunLoad({ ...verifier.host, hostKey: verifier.otherHostKey });
    await expect(bad.runLoad(spec())).rejects.toThrow(/host key mismatch/);
    bad.close();
  }, 120_000);
});
