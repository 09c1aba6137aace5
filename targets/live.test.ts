import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyAllTracked, destroyTracked, launchTracked, trackedIds } from './live.ts';

const LIVE = new URL('./live.ts', import.meta.url).href;
// The "box" is a real process (sleep); its launch takes 400 ms, so a signal can land while it is in flight.
const CHILD = `
import { spawn } from 'node:child_process';
import { launchTracked } from ${JSON.stringify(LIVE)};
const say = (l) => process.stdout.write(l + '\\n');
const boxes = {};
const stop = (p) => new Promise((r) => { p.once('exit', r); p.kill('SIGKILL'); });
const launch = (id) => launchTracked(id, async () => { await stop(boxes[id]); say('destroyed ' + id); }, async () => {
  boxes[id] = spawn('sleep', ['60'], { stdio: 'ignore' });
  say('launching ' + id + ' pid ' + boxes[id].pid);
  await new Promise((r) => setTimeout(r, 400));
  say('launched ' + id);
});
await launch('a');
await launch('b');
setInterval(() => undefined, 1000);
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-live-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the child, sends `sig` once `when` appears in its output; resolves with its exit code and output lines. */
async function killWhen(sig: NodeJS.Signals, when: string): Promise<{ code: number | null; lines: string[] }> {
  const file = join(dir, `child-${sig}-${when.replace(/\W/g, '')}.mjs`);
  await writeFile(file, CHILD);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (l.startsWith(when)) child.kill(sig);
    }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, lines };
}

describe('boxes tracked by this process', () => {
  it('SIGTERM mid-launch: the launch settles, then every box is destroyed newest first; exit 143', async () => {
    const { code, lines } = await killWhen('SIGTERM', 'launching b');
    expect(code).toBe(143);
    expect(lines.map((l) => l.replace(/ pid \d+$/, ''))).toEqual([
      'launching a',
      'launched a',
      'launching b',
      'launched b',
      'destroyed b',
      'destroyed a',
    ]);
    for (const l of lines.filter((x) => x.includes(' pid '))) expect(alive(Number(l.split(' pid ')[1]))).toBe(false);
  }, 30_000);

  it('SIGINT once the launches are done exits 130 with nothing left', async () => {
    const { code, lines } = await killWhen('SIGINT', 'launched b');
    expect(code).toBe(130);
    expect(lines.slice(-2)).toEqual(['destroyed b', 'destroyed a']);
  }, 30_000);

  it('a box is untracked even when its destroy fails, and the signal handlers go with the last box', async () => {
    const before = process.listenerCount('SIGTERM');
    await launchTracked(
      'x',
      async () => {
        throw new Error('gone wrong');
      },
      async () => 'up',
    );
    await launchTracked(
      'y',
      async () => undefined,
      async () => 'up',
    );
    expect(trackedIds()).toEqual(['x', 'y']);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    await expect(
      launchTracked(
        'y',
        async () => undefined,
        async () => 'again',
      ),
    ).rejects.toThrow(/already tracked/);
    expect(await destroyAllTracked()).toEqual(['destroy x: gone wrong']);
    expect(trackedIds()).toEqual([]);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await destroyTracked('never-launched');
  });

  it('a launch that fails stays tracked: the caller destroys what it half-started', async () => {
    const destroyed: string[] = [];
    await expect(
      launchTracked(
        'z',
        async () => {
          destroyed.push('z');
        },
        async () => {
          throw new Error('boot failed');
        },
      ),
    ).rejects.toThrow('boot failed');
    expect(trackedIds()).toEqual(['z']);
    await destroyTracked('z');
    expect(destroyed).toEqual(['z']);
    expect(trackedIds()).toEqual([]);
  });
});
