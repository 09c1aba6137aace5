/** The scratch cluster is built once per cache even when tiers validate side by side, as nightly does on a cold cache. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DISTROS } from '../../../images/distro.ts';
import { render } from '../../../images/render.ts';
import { BUILTIN_TIERS } from '../../../images/tiers.ts';
import { WEB } from '../../../images/web.ts';
import { writeBundle } from '../../bundle/write-bundle.ts';
import { validateBundle } from '../run.ts';
import { postgresValidator } from './postgres.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-pg-validate-test-'));
const savedCache = process.env.KILN_CACHE_DIR;
afterAll(() => {
  if (savedCache === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = savedCache;
  rmSync(work, { recursive: true, force: true });
});

it('three tiers on an empty cache all pass and leave one template cluster, no temp dirs', async () => {
  process.env.KILN_CACHE_DIR = join(work, 'cache');
  const runs = ['nano', 'micro', 'small'].map(async (name) => {
    const rendered = render(BUILTIN_TIERS.find((t) => t.name === name)!, WEB, DISTROS.debian12);
    const dir = await writeBundle(join(work, name), rendered);
    return validateBundle(dir, rendered, [postgresValidator]);
  });
  const findings = (await Promise.all(runs)).flat();
  expect(findings.filter((f) => !f.ok)).toEqual([]);
  expect(findings.length).toBeGreaterThan(0);
  expect(readdirSync(join(work, 'cache', 'validate'))).toEqual([expect.stringMatching(/^initdb-postgres_PostgreSQL_\d+/)]);
});
