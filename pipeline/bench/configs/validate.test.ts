/** The variants' files are accepted by the real programs (kiln's own validators), on the image's layout. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../../images/catalog.ts';
import { DISTROS } from '../../../images/distro.ts';
import { render, type Rendered } from '../../../images/render.ts';
import { WEB } from '../../../images/web.ts';
import { validateBundle } from '../../validate/run.ts';
import { SERVICE_VALIDATORS as validators } from '../../validate/index.ts';
import { writeBundle } from '../../bundle/write-bundle.ts';
import { VARIANTS } from './index.ts';
import { canarySide, renderVariant } from './render.ts';
import { STOCK } from './stock.ts';
import { SERVICES } from './types.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-configs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bench configs under the real tools', () => {
  for (const v of VARIANTS.filter((x) => x.name !== 'kiln')) {
    it(`${v.name} (nano) passes nginx -t, postgres, pgbouncer, redis-server and gunicorn --check-config`, async () => {
      const tier = findTier(buildCatalog(), 'nano');
      const base = render(tier, WEB, DISTROS.debian13);
      const r = renderVariant(canarySide(tier), v, STOCK);
      const byPath = new Map(r.files.map((f) => [f.path, f]));
      // The image's render with the variant's service files and values in place of the tuned ones.
      const rendered: Rendered = {
        ...base,
        files: base.files.map((f) => byPath.get(f.path) ?? f),
        context: { ...base.context, s: { ...base.context.s, ...r.values } },
      };
      const dir = await writeBundle(join(work, v.name), rendered);
      const picked = validators.filter((x) => x.roles.some((role) => (SERVICES as readonly string[]).includes(role)));
      const findings = await validateBundle(dir, rendered, picked);
      // The one known difference: kiln's drop-in keeps LimitNOFILE=160 under every config, so Redis clamps the stock
      // maxclients 10000 to 128 (nofile - 32); the validator reports that, and nothing else may fail.
      const bad = findings.filter(
        (f) => !f.ok && !(f.tool === 'redis-server' && /^maxclients: rendered "10000", the program reports "128"\n/.test(f.output)),
      );
      expect(bad.map((f) => `${f.tool} ${f.file}: ${f.output.slice(0, 400)}`)).toEqual([]);
      expect(findings.length).toBeGreaterThan(4);
    }, 180_000);
  }
});
