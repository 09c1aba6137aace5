import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processCpu } from './proc-cpu.ts';

// A child that burns 0.5 s of its own CPU (not wall time: the host is shared), exits and is reaped by its parent.
const BURN = 'while (process.cpuUsage().user < 500000);';

describe('processCpu', () => {
  it("counts a reaped child's CPU under its parent, the way recycled gunicorn workers count under gunicorn", async () => {
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(BURN)}]); console.log('reaped'); setTimeout(() => {}, 30000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(parent.stdout, 'data');
      const [name, sec] = (await processCpu(parent.pid!))!;
      expect(name).toBe('node');
      // the parent's own start-up is ~0.05 s: the burn shows only through cutime + cstime
      expect(sec).toBeGreaterThanOrEqual(0.5);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('is undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    expect(await processCpu(child.pid!)).toBeUndefined();
  });
});
