/** Test helpers for the local target: the bundle to bake, and a census of what a box left behind. */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DEFAULT_LOCAL_DISTRO } from './base.ts';
import { BOX_HIERARCHIES, groupPath } from './cgroup.ts';
import { mountsUnder } from '../../lib/fsutil.ts';
import { listKilnNetns, listKilnVeths, netnsName, vethName } from './net.ts';
import { instanceDir, REPO_ROOT, RUN_DIR } from './paths.ts';
import { writeFixtureBundle } from './fixture-bundle.ts';
import { pidAlive } from './lock.ts';

/** One state dir for all local-target tests, so the baked image is reused across runs. */
export const TEST_STATE_DIR = join(REPO_ROOT, '.kiln/state-test');

/**
 * The real `kiln render --tier nano --distro debian13` (the local default) bundle once the renderer emits provisioning scripts, else the
 * minimal fixture. KILN_LOCAL_TEST_BUNDLE=fixture|render forces one.
 */
export async function testBundle(): Promise<{ dir: string; kind: 'render' | 'fixture' }> {
  const want = process.env.KILN_LOCAL_TEST_BUNDLE;
  // Per process: test files run in parallel; the ref depends on content, not on this path.
  const parent = join(REPO_ROOT, '.kiln/test-bundle');
  const dir = join(parent, String(process.pid));
  for (const n of await readdir(parent).catch(() => [] as string[])) {
    if (!pidAlive(Number(n)) || n === String(process.pid)) await rm(join(parent, n), { recursive: true, force: true });
  }
  if (want !== 'fixture') {
    await execa('npx', ['tsx', 'cli/cli.ts', 'render', '--tier', 'nano', '--distro', DEFAULT_LOCAL_DISTRO, '--out', dir], {
      cwd: REPO_ROOT,
      reject: false,
    });
    if (existsSync(join(dir, 'provision/provision.sh')) && existsSync(join(dir, 'cloud-init/user-data'))) return { dir, kind: 'render' };
    if (want === 'render') throw new Error('KILN_LOCAL_TEST_BUNDLE=render but the renderer wrote no provision/provision.sh');
    await rm(dir, { recursive: true, force: true });
  }
  return { dir: await writeFixtureBundle(dir), kind: 'fixture' };
}

/** Everything of box `id` still present on the host; empty when destroy was complete. */
export async function leftovers(id: string, stateDir: string): Promise<string[]> {
  const left: string[] = [];
  if ((await listKilnNetns()).includes(netnsName(id))) left.push(`netns ${netnsName(id)}`);
  if ((await listKilnVeths()).includes(vethName(id))) left.push(`veth ${vethName(id)}`);
  for (const h of BOX_HIERARCHIES) if (existsSync(groupPath(h, id))) left.push(`cgroup ${groupPath(h, id)}`);
  for (const m of await mountsUnder(instanceDir(stateDir, id))) left.push(`mount ${m}`);
  if (existsSync(instanceDir(stateDir, id))) left.push(`dir ${instanceDir(stateDir, id)}`);
  if (existsSync(join(RUN_DIR, 'ids', id))) left.push(`claim ${join(RUN_DIR, 'ids', id)}`);
  for (const n of await readdir(join(RUN_DIR, 'net')).catch(() => [] as string[])) {
    if ((await readFile(join(RUN_DIR, 'net', n), 'utf8').catch(() => '')).trim() === id) left.push(`subnet claim ${n}`);
  }
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (cmd.includes(`kiln-${id}`) || cmd.includes(`/instances/${id}/`)) left.push(`process ${p}: ${cmd.slice(0, 120)}`);
  }
  return left;
}
