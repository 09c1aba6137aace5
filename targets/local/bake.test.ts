/** Bake: cache reuse, content addressing, hygiene enforced, a killed bake leaves nothing finished, bad input. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { bake, HygieneError, imageRef } from './bake.ts';
import { DISTROS } from '../../images/distro.ts';
import { DEFAULT_BASE, DEFAULT_LOCAL_DISTRO, baseKey } from './base.ts';
import { inspectBundle } from './bundle.ts';
import { writeFixtureBundle } from './fixture-bundle.ts';
import { findImage, imageManifestPath } from './image.ts';
import { janitor } from './janitor.ts';
import { launch } from './launch.ts';
import { claimId, releaseId } from './owner.ts';
import { REPO_ROOT } from './paths.ts';
import { TEST_STATE_DIR, testBundle } from './testing.ts';

const stateDir = TEST_STATE_DIR;
const scratchDir = join(REPO_ROOT, '.kiln/test-scratch');
const scratch = (name: string) => join(scratchDir, `${name}-${process.pid}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local target: bake', () => {
  afterAll(async () => {
    for (const n of ['ref', 'dirty', 'killed']) await rm(scratch(n), { recursive: true, force: true });
  });

  it('reuses the image when the inputs are unchanged', async () => {
    const bundle = await testBundle();
    const first = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    const mtime = (await stat(first.tarball)).mtimeMs;
    const second = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    expect(second.reused).toBe(true);
    expect(second.ref).toBe(first.ref);
    expect((await stat(second.tarball)).mtimeMs).toBe(mtime);
    expect(second.manifest.packages.systemd).toMatch(new RegExp(`^${DISTROS[DEFAULT_LOCAL_DISTRO].versions.systemd}\\.`));
    expect(second.manifest.distro).toBe(DEFAULT_LOCAL_DISTRO);
    expect(second.manifest.base.key).toBe(baseKey(DEFAULT_BASE));
  }, 600_000);

  it('gives a different ref when any bundle file changes', async () => {
    const dir = await writeFixtureBundle(scratch('ref'), 'one');
    const one = await inspectBundle(dir);
    await writeFile(join(dir, 'rootfs/var/www/html/index.html'), 'changed\n');
    const two = await inspectBundle(dir);
    expect(imageRef('b', one.contentHash, 'debian12')).not.toBe(imageRef('b', two.contentHash, 'debian12'));
    expect(imageRef('b', one.contentHash, 'debian12')).toBe(imageRef('b', one.contentHash, 'debian12'));
  });

  it('refuses an image whose hygiene left build identity behind, and writes no image', async () => {
    const dir = await writeFixtureBundle(scratch('dirty'), `dirty-${process.pid}`);
    await writeFile(join(dir, 'provision/hygiene.sh'), '#!/bin/bash\necho "hygiene skipped"\n');
    await writeFile(join(dir, 'provision/provision.sh'), '#!/bin/bash\ndbus-uuidgen --ensure=/etc/machine-id\n');
    const err = await bake({ tier: 'nano', bundleDir: dir, stateDir }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HygieneError);
    const text = (err as HygieneError).violations.join('\n');
    expect(text).toMatch(/machine-id is not empty/);
    expect(text).toMatch(/ssh_host_.*exists/);
    const ref = imageRef(baseKey(DEFAULT_BASE), (await inspectBundle(dir)).contentHash, DEFAULT_LOCAL_DISTRO);
    expect(existsSync(imageManifestPath(stateDir, ref))).toBe(false);
  }, 300_000);

  it('leaves nothing a later run could take for finished when killed halfway', async () => {
    const dir = await writeFixtureBundle(scratch('killed'), `killed-${process.pid}`);
    // Slow provisioning so the kill lands inside the chroot, with a child process running there.
    const sleeper = `kiln-test-sleeper-${process.pid}`;
    await writeFile(join(dir, 'provision/provision.sh'), `#!/bin/bash\necho started\nexec -a ${sleeper} sleep 300\n`);
    const ref = imageRef(baseKey(DEFAULT_BASE), (await inspectBundle(dir)).contentHash, DEFAULT_LOCAL_DISTRO);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'targets/local/main.ts', 'bake', '--tier', 'nano', '--bundle', dir, '--state-dir', stateDir],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const log = join(stateDir, 'logs', `bake-${ref}.log`);
    const deadline = Date.now() + 120_000;
    while (!(await readFile(log, 'utf8').catch(() => '')).includes('started') && Date.now() < deadline) await sleep(200);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sleep(500);
    expect(existsSync(imageManifestPath(stateDir, ref))).toBe(false);
    await expect(findImage(stateDir, ref)).rejects.toBeInstanceOf(InputError);
    // The provisioning namespace died with its parent: nothing of it still runs.
    const ps = await readdir('/proc');
    const alive = [];
    for (const p of ps.filter((x) => /^\d+$/.test(x))) {
      const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(`bake-${ref}`) || cmd.includes(sleeper)) alive.push(cmd);
    }
    expect(alive).toEqual([]);
    const report = await janitor({ stateDir });
    expect(report.tempDirs.some((t) => t.includes(`bake-${ref}.tmp-${child.pid}-`))).toBe(true);
    expect((await readdir(join(stateDir, 'tmp'))).filter((n) => n.includes(ref))).toEqual([]);
  }, 300_000);

  it('rejects bad input with an InputError and leaves nothing behind', async () => {
    await expect(bake({ tier: 'nano', bundleDir: scratch('nope'), stateDir })).rejects.toBeInstanceOf(InputError);
    await expect(launch({ imageRef: 'local-00000000000000000000', tier: 'nano', stateDir })).rejects.toThrow(/bake one/);
    await expect(launch({ imageRef: 'whatever', tier: 'xlarge', stateDir })).rejects.toThrow(/vCPUs/);
    await expect(launch({ imageRef: 'whatever', tier: 'nosuchtier', stateDir })).rejects.toBeInstanceOf(InputError);
    const id = `dup${process.pid % 100000}`;
    await claimId(id, stateDir);
    try {
      await expect(claimId(id, stateDir)).rejects.toThrow(/already exists/);
    } finally {
      await releaseId(id);
    }
    await expect(claimId('Bad_Name', stateDir)).rejects.toBeInstanceOf(InputError);
  });
});
