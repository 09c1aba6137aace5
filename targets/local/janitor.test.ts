/** janitor after a killed launch: the crashed box's leftovers go, a live box is left alone. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bake, destroy, janitor, launch, type BoxHostDescription } from './index.ts';
import { findLeader } from './box.ts';
import { groupPath } from './cgroup.ts';
import { readOwner } from './owner.ts';
import { REPO_ROOT } from './paths.ts';
import { sshRun } from './ssh.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from './testing.ts';

const stateDir = TEST_STATE_DIR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const live: BoxHostDescription[] = [];

describe('local target: janitor', () => {
  afterAll(async () => {
    for (const h of live) await destroy(h.id, { stateDir }).catch(() => undefined);
  }, 120_000);

  it('removes what a SIGKILLed launcher left (netns, veth, cgroups, overlay, processes) and only that', async () => {
    const bundle = await testBundle();
    const { ref } = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    const keep = launch({ imageRef: ref, tier: 'nano', id: `jl${process.pid}`, stateDir });
    const id = `jk${process.pid}`;
    // The launcher in its own process, killed once the box is booting (wrapper running, nothing torn down).
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'targets/local/main.ts', 'launch', '--image', ref, '--tier', 'nano', '--id', id, '--state-dir', stateDir],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const deadline = Date.now() + 180_000;
    while ((await findLeader(id)) === undefined && Date.now() < deadline) await sleep(200);
    expect(await findLeader(id)).toBeDefined();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await readOwner(id))?.phase).toBe('launching');
    expect(existsSync(groupPath('memory', id))).toBe(true);
    live.push(await keep);

    const report = await janitor({ stateDir });
    expect(report.removed).toContain(id);
    expect(report.live).toContain(live[0]!.id);
    expect(report.left).toEqual([]);
    expect(await leftovers(id, stateDir)).toEqual([]);
    // The live box was not touched.
    const h = live[0]!;
    const r = await sshRun(
      { address: h.address, port: h.port, user: h.user, keyPath: h.keyPath, knownHostsPath: h.knownHostsPath },
      'systemctl is-system-running',
    );
    expect(r.stdout.trim()).toBe('running');
  }, 600_000);
});
