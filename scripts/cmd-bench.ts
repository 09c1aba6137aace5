/** `kiln bench`: does the tuning pay? Capacity and memory of kiln vs the seed, stock and rule-of-thumb configs on local boxes. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { findTier } from '../images/catalog.ts';
import { InputError } from '../images/errors.ts';
import { runBench } from '../bench/pays/run.ts';
import { IO_MS_MAX, ioMsAllowed } from '../bench/pays/capacity.ts';
import { markdown, plots } from '../bench/pays/report.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { loadCatalog, parse, progress } from './args.ts';

export const help = `kiln bench [--tiers nano,micro,small] [--repeat N] [--out DIR] [--no-pin] [--io-ms MS] [--survival TIERS|none] [--json]
  Boots each tier's kiln image once per config (kiln, seed 001, Debian stock, common rules), searches each one's
  capacity on the canary mix round-robin N times (default 3; 0 = survival tests only), then (on --survival tiers, default nano) bursts slow requests and fills Redis past its limit.
  --io-ms MS adds an upstream-bound endpoint to the mix: 1 request in 6 waits MS ms holding its worker (default: the canary mix only).
  Pinned by default: boxes on CPU 1, the load generator on CPU 0. Writes bench.json, bench.md and SVG plots to DIR
  (default .kiln/bench/<time>). Needs root (local target).`;

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, { tiers: { type: 'string' }, repeat: { type: 'string' }, out: { type: 'string' }, 'no-pin': { type: 'boolean' }, 'io-ms': { type: 'string' }, survival: { type: 'string' } });
  const catalog = loadCatalog(v.catalog as string | undefined);
  const tiers = String(v.tiers ?? 'nano,micro,small').split(',').filter(Boolean).map((n) => findTier(catalog, n.trim()));
  const repeat = Number(v.repeat ?? 3);
  if (!Number.isInteger(repeat) || repeat < 0 || repeat > 20) throw new InputError('--repeat', v.repeat, 'an integer 0..20 (0: survival tests only)', 'pass e.g. --repeat 3');
  const ioMs = v['io-ms'] === undefined ? undefined : Number(v['io-ms']);
  if (ioMs !== undefined && !ioMsAllowed(ioMs)) throw new InputError('--io-ms', v['io-ms'], `an integer 1..${IO_MS_MAX} (ms an upstream-bound request waits)`, 'pass e.g. --io-ms 50, or leave it out for the canary mix');
  const pin = !v['no-pin'];
  if (pin && availableParallelism() < 2) throw new InputError('--no-pin', false, 'pinning needs 2 CPUs (box on 1, generator on 0)', 'pass --no-pin');
  const out = resolve(String(v.out ?? join('.kiln/bench', new Date().toISOString().replace(/[-:.]/g, ''))));
  const result = await runBench({
    tiers, repeat, stateDir: defaultStateDir(), boxCpus: pin ? '1' : undefined, genCpus: pin ? '0' : undefined,
    ioMs,
    survivalTiers: String(v.survival ?? 'nano') === 'none' ? [] : String(v.survival ?? 'nano').split(',').map((n) => findTier(catalog, n.trim()).name), log: (l) => progress(`bench: ${l}`),
  });
  await mkdir(out, { recursive: true });
  const ram = (name: string) => tiers.find((t) => t.name === name)!.ramMiB;
  await writeFile(join(out, 'bench.json'), `${JSON.stringify(result, null, 1)}\n`);
  await writeFile(join(out, 'bench.md'), markdown(result));
  for (const [name, svg] of Object.entries(plots(result, ram))) await writeFile(join(out, name), svg);
  progress(`bench: wrote ${out}/bench.json, bench.md and plots`);
  process.stderr.write(markdown(result));
  if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.errors.length ? 1 : 0;
}
