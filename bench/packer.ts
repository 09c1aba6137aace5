/** Times the Packer part of render + validate for every built-in tier: prints figures, asserts nothing. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DISTROS } from '../images/distro.ts';
import { packerInputOf } from '../images/files/packer.ts';
import { renderPacker } from '../images/packer/render.ts';
import { render } from '../images/render.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { WEB } from '../images/web.ts';
import { validators } from '../pipeline/validate/packer.ts';
import { validateBundle } from '../pipeline/validate/run.ts';
import { writeBundle } from '../pipeline/bundle/write-bundle.ts';

const rounds = Number(process.env.ROUNDS ?? 200);
const renders = BUILTIN_TIERS.map((t) => render(t, WEB, DISTROS.ubuntu2404));
const t0 = performance.now();
for (let i = 0; i < rounds; i++) for (const r of renders) renderPacker(packerInputOf(r.context));
console.log(
  `packer model + print (2 templates + var file): ${((performance.now() - t0) / rounds / renders.length).toFixed(2)} ms per tier (mean of ${rounds})`,
);

const work = await mkdtemp(join(tmpdir(), 'kiln-bench-packer-'));
try {
  let total = 0;
  for (const r of renders) {
    const dir = await writeBundle(join(work, r.context.tier.name), r);
    const t = performance.now();
    const findings = await validateBundle(dir, r, validators);
    const ms = performance.now() - t;
    total += ms;
    console.log(
      `  ${r.context.tier.name.padEnd(8)} ${findings.filter((f) => f.ok).length}/${findings.length} packer checks ok in ${ms.toFixed(0)} ms`,
    );
  }
  console.log(`packer validate (1.6.6) + fmt -check x2 + modern model check, ${renders.length} tiers: ${(total / 1000).toFixed(1)} s`);
} finally {
  await rm(work, { recursive: true, force: true });
}
