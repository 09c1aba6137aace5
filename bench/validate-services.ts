/**
 * Times each service validator (nginx, postgres, pgbouncer, redis, gunicorn, sshd, systemd, sysctl) per tier and
 * distro: prints figures, asserts nothing.   npx tsx bench/validate-services.ts [--tiers nano,2xlarge]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DISTROS } from '../images/distro.ts';
import { render } from '../images/render.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { WEB } from '../images/web.ts';
import { validateBundle } from '../pipeline/validate/run.ts';
import { SERVICE_VALIDATORS as validators } from '../pipeline/validate/index.ts';
import { writeBundle } from '../pipeline/bundle/write-bundle.ts';

const arg = process.argv.indexOf('--tiers');
const names = arg > 0 ? process.argv[arg + 1]!.split(',') : BUILTIN_TIERS.map((t) => t.name);
const work = await mkdtemp(join(tmpdir(), 'kiln-bench-services-'));
const totals = new Map<string, number>();
const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`${pad('tier/distro', 22)}${validators.map((v) => pad(v.name.split(' ')[0]!.slice(0, 11), 12)).join('')}total ms  failed`);
try {
  for (const name of names) {
    for (const distro of Object.values(DISTROS)) {
      const r = render(BUILTIN_TIERS.find((t) => t.name === name)!, WEB, distro);
      const dir = await writeBundle(join(work, `${name}-${distro.id}`), r);
      const cells: string[] = [];
      let sum = 0;
      let failed = 0;
      for (const v of validators) {
        const t0 = performance.now();
        failed += (await validateBundle(dir, r, [v])).filter((f) => !f.ok).length;
        const ms = performance.now() - t0;
        sum += ms;
        totals.set(v.name, (totals.get(v.name) ?? 0) + ms);
        cells.push(pad(ms.toFixed(0), 12));
      }
      console.log(pad(`${name}/${distro.id}`, 22) + cells.join('') + pad(sum.toFixed(0), 10) + failed);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
console.log(pad('sum', 22) + validators.map((v) => pad(totals.get(v.name)!.toFixed(0), 12)).join(''));
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
