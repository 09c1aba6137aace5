/** `kiln validate (--tier T | --all) [--distro D] [--json]`: the real tools read the real files. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../images/distro.ts';
import { render } from '../images/render.ts';
import { loadCatalog, loadRecipe, parse, progress, selectDistros, selectTiers, type Options } from './args.ts';
import { appPayload } from '../pipeline/app-payload.ts';
import { validateBundle } from '../pipeline/validate/run.ts';
import { writeBundle } from '../pipeline/bundle/write-bundle.ts';

export const help = `kiln validate (--tier T | --all) [--distro ubuntu2404|debian13|debian12] [--json] [--catalog FILE] [--recipe FILE]
  Renders each tier (every distro unless --distro) and has the production programs read the files:
  packer validate + fmt, cloud-init schema, nginx -t, postgres -C, pgbouncer, redis-server,
  gunicorn --check-config, sshd -T, systemd-analyze verify. Where this host's
  program is another release than the image's (bookworm's PostgreSQL 15 reading trixie's 17 files), a note says
  what that release could not check.
  Exit codes: 0 every program accepted every file, 1 any of them objects, 2 bad input (a flag, tier, catalog
  or recipe).`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { tier: { type: 'string' }, all: { type: 'boolean' }, distro: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tiers = selectTiers(v, loadCatalog(v.catalog as string | undefined));
  const recipe = loadRecipe(v.recipe as string | undefined);
  const distros = selectDistros(v, Object.values(DISTROS));
  const renders = tiers.flatMap((t) => distros.map((d) => render(t, recipe, d)));
  // A team's app goes in beside the render, as for a bake: the Packer templates upload it.
  const payload = appPayload(recipe);
  const work = await mkdtemp(join(process.env.KILN_TMP ?? tmpdir(), 'kiln-validate-'));
  const results = [];
  let failed = 0;
  try {
    for (const r of renders) {
      const label = `${r.context.tier.name}/${r.context.distro.id}`;
      const started = Date.now();
      const dir = await writeBundle(join(work, label.replace('/', '-')), r, payload);
      const findings = await validateBundle(dir, r);
      // Fail closed: a bundle no program has read is not valid.
      if (!findings.length) findings.push({ tool: 'kiln', file: '*', ok: false, output: 'no validator ran on this bundle' });
      const bad = findings.filter((f) => !f.ok);
      failed += bad.length;
      progress(
        `${bad.length ? 'FAIL' : 'ok  '} ${label}: ${findings.length - bad.length}/${findings.length} checks in ${Date.now() - started} ms`,
      );
      for (const f of bad) process.stderr.write(`  ${label} ${f.file} [${f.tool}]:\n${f.output.replace(/^/gm, '    ')}\n`);
      // A pass by an older or newer program than the image's is still a pass, with what it could not check said.
      const notes = new Map<string, string[]>();
      for (const f of findings)
        if (f.ok && f.note && !notes.get(f.note)?.includes(f.tool)) notes.set(f.note, [...(notes.get(f.note) ?? []), f.tool]);
      for (const [note, tools] of notes) process.stderr.write(`  ${label} note [${tools.join(', ')}]: ${note}\n`);
      results.push({ tier: r.context.tier.name, distro: r.context.distro.id, ok: bad.length === 0, findings });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (v.json) process.stdout.write(`${JSON.stringify({ ok: failed === 0, results }, null, 2)}\n`);
  return failed ? 1 : 0;
}
