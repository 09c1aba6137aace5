/** Local promotion registry: only passing verdicts promote, atomically, with history and the previous ref. */
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { buildVerdict } from '../../verify/verdict.ts';
import { verdictInput } from '../../verify/testing/fixtures.ts';
import { bake } from './bake.ts';
import { imageManifestPath, imageTarball } from './image.ts';
import { REPO_ROOT } from './paths.ts';
import { NotPromotableError, promote, promoted, readRegistry, registryPath } from './registry.ts';
import { TEST_STATE_DIR, testBundle } from './testing.ts';

let stateDir = '';
let ref = '';
// Verdicts as `kiln verify` writes them (verify's own builder), for this image; `body` overrides fields.
const verdict = async (name: string, body: Record<string, unknown>) => {
  const input = verdictInput();
  input.image = { ...input.image, ref: (body.image as { ref: string } | undefined)?.ref ?? ref };
  const doc = { ...JSON.parse(JSON.stringify(buildVerdict(input))), ...body, image: { ...input.image } };
  if (doc.decision === 'fail') doc.reasons = ['fixture: failed'];
  const p = join(stateDir, `${name}.json`);
  await writeFile(p, JSON.stringify(doc));
  return p;
};

describe('local promotion registry', () => {
  beforeAll(async () => {
    ref = (await bake({ tier: 'nano', bundleDir: (await testBundle()).dir, stateDir: TEST_STATE_DIR })).ref;
    await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
    stateDir = await mkdtemp(join(REPO_ROOT, '.kiln/registry-test-'));
    await mkdir(join(stateDir, 'images'));
    for (const f of [imageTarball, imageManifestPath]) await link(f(TEST_STATE_DIR, ref), f(stateDir, ref));
  }, 600_000);
  afterAll(async () => rm(stateDir, { recursive: true, force: true }));

  it('promotes a passing verdict, keeps history and the previous ref', async () => {
    expect(await promoted('nano', stateDir)).toBeUndefined();
    const v1 = await verdict('v1', { tier: 'nano', decision: 'pass', runId: 'run-1' });
    const p1 = await promote({ verdictPath: v1, stateDir });
    expect(p1).toMatchObject({ tier: 'nano', imageRef: ref });
    expect(p1.verdictDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const v2 = await verdict('v2', { tier: 'nano', decision: 'pass', runId: 'run-2' });
    const p2 = await promote({ verdictPath: v2, stateDir });
    expect(p2.previousRef).toBe(ref);
    expect(p2.verdictDigest).not.toBe(p1.verdictDigest);
    expect((await promoted('nano', stateDir))?.verdictDigest).toBe(p2.verdictDigest);
    expect((await readRegistry(stateDir)).history).toHaveLength(2);
    expect((await readdir(stateDir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a failing verdict, an unknown image and a malformed file, leaving the registry as it was', async () => {
    const before = await readFile(registryPath(stateDir), 'utf8');
    await expect(
      promote({ verdictPath: await verdict('f', { tier: 'nano', image: { ref }, decision: 'fail' }), stateDir }),
    ).rejects.toBeInstanceOf(NotPromotableError);
    await expect(
      promote({
        verdictPath: await verdict('u', { tier: 'nano', image: { ref: 'local-00000000000000000000' }, decision: 'pass' }),
        stateDir,
      }),
    ).rejects.toBeInstanceOf(InputError);
    // a pass typed into a verdict without the checks that earn it
    await expect(promote({ verdictPath: await verdict('typed', { decision: 'pass', checks: [] }), stateDir })).rejects.toThrow(/no checks/);
    await expect(
      promote({ verdictPath: await verdict('aws', { tier: 'nano', decision: 'pass', target: 'aws' }), stateDir }),
    ).rejects.toThrow(/verdict.target/);
    await writeFile(join(stateDir, 'bad.json'), '{not json');
    await expect(promote({ verdictPath: join(stateDir, 'bad.json'), stateDir })).rejects.toBeInstanceOf(InputError);
    await expect(promote({ verdictPath: join(stateDir, 'missing.json'), stateDir })).rejects.toBeInstanceOf(InputError);
    expect(await readFile(registryPath(stateDir), 'utf8')).toBe(before);
  });
});
