/** Times render (pure) and validate (the real tools) of every tier: prints figures, asserts nothing. */
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { DISTROS } from '../images/distro.ts';
import { render } from '../images/render.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { WEB } from '../images/web.ts';

const rounds = Number(process.env.ROUNDS ?? 20);
render(BUILTIN_TIERS[0], WEB); // warm the template cache
const t0 = performance.now();
let files = 0;
for (let i = 0; i < rounds; i++) {
  for (const tier of BUILTIN_TIERS) for (const d of Object.values(DISTROS)) files += render(tier, WEB, d).files.length;
}
const renderMs = (performance.now() - t0) / rounds;
console.log(
  `render: all ${BUILTIN_TIERS.length} tiers x ${Object.keys(DISTROS).length} distros = ${files / rounds} files in ${renderMs.toFixed(1)} ms (mean of ${rounds})`,
);

const t1 = performance.now();
const v = await execa('bin/kiln', ['validate', '--all'], { reject: false, cwd: new URL('..', import.meta.url).pathname });
const validateS = (performance.now() - t1) / 1000;
console.log(`validate --all (every distro, real tools): ${validateS.toFixed(1)} s, exit ${v.exitCode}`);
for (const line of v.stderr.split('\n').filter((l) => /^kiln: (ok|FAIL)/.test(l))) console.log(`  ${line.replace(/^kiln: /, '')}`);
