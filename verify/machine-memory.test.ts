import { describe, expect, it } from 'vitest';
import { machineMemoryCheck, memTotalCheck, parseMeminfo } from './machine-memory.ts';

const MEMINFO = `MemTotal:         480004 kB
MemFree:          204152 kB
MemAvailable:     356864 kB
Slab:              30692 kB
KernelStack:        1424 kB
PageTables:         2084 kB
HugePages_Total:       0
`;

describe("a whole machine's memory", () => {
  it('reads the five fields in MiB', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({
      memTotalMiB: 468.8,
      memAvailableMiB: 348.5,
      slabMiB: 30,
      pageTablesMiB: 2,
      kernelStackMiB: 1.4,
    });
  });

  it('refuses meminfo without one of them', () => {
    expect(() => parseMeminfo(MEMINFO.replace(/^Slab:.*\n/m, ''))).toThrow(/lacks Slab/);
  });

  it("passes MemTotal a little under the tier's RAM and names what the kernel keeps", () => {
    const c = memTotalCheck(parseMeminfo(MEMINFO), 512);
    expect(c.status).toBe('pass');
    expect(c.evidence).toMatch(/MemTotal 468.8 MiB of the tier's 512 MiB \(the kernel keeps 43.2 MiB\)/);
  });

  it('fails a machine bigger than the tier, or far smaller', () => {
    expect(memTotalCheck(parseMeminfo(MEMINFO), 256).status).toBe('fail');
    expect(memTotalCheck(parseMeminfo(MEMINFO), 1024).status).toBe('fail');
  });

  it('reports a failed read as an error, not a pass', async () => {
    const remote = {
      exec: async (command: string) => ({ command, exitCode: 1, signal: null, stdout: '', stderr: 'no', timedOut: false, durationMs: 1 }),
    };
    expect((await machineMemoryCheck(remote, 512)).status).toBe('error');
  });
});
