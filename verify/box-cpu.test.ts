/** The box's CPU time: a container's from its cpuacct cgroup, a whole machine's from its own /proc/stat; unknown is null. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostDescription } from '../model/host.ts';
import { boxCpuReader, parseProcStatBusySec } from './box-cpu.ts';
import type { Remote } from './checks/types.ts';

const host: HostDescription = { address: '10.0.0.2', port: 22, user: 'kiln', keyPath: '/k', hostKey: 'SHA256:x' };
const remote = (stdout: string, exitCode = 0): Remote => ({
  exec: async (command) => ({ command, stdout, stderr: '', exitCode, signal: null, timedOut: false, durationMs: 1 }),
});

describe('box CPU', () => {
  it('counts every busy column of the cpu line: not idle, not iowait', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    expect(parseProcStatBusySec('cpu  1000 10 500 90000 300 20 30 40 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toBe(16);
    expect(parseProcStatBusySec('cpu0 1 2 3 4\n')).toBeNull();
    expect(parseProcStatBusySec('cpu  a b c d\n')).toBeNull();
  });

  it("reads a container's cpuacct.usage on this host, and nothing over SSH", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-cpuacct-'));
    try {
      await writeFile(join(dir, 'cpuacct.usage'), '2500000000\n');
      const read = boxCpuReader({ ...host, cpuacctCgroupPath: dir }, remote('cpu  1 1 1 1'));
      expect(await read()).toBe(2.5);
      await rm(join(dir, 'cpuacct.usage'));
      expect(await read()).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads a whole machine's /proc/stat over SSH; a failed read is null", async () => {
    expect(await boxCpuReader(host, remote('cpu  100 0 100 5000 0 0 0 0 0 0\n'))()).toBe(2);
    expect(await boxCpuReader(host, remote('', 1))()).toBeNull();
    expect(await boxCpuReader(host, { exec: () => Promise.reject(new Error('link down')) })()).toBeNull();
  });
});
