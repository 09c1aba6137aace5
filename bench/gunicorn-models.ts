/**
 * Gunicorn process models on one kiln box: the image's gunicorn.conf.py with workers / threads / worker_class
 * swapped (everything else kiln's), the app restarted, a capacity search per model, models interleaved R rounds.
 * A model is `kiln` (as rendered), `syncN` (N sync workers) or `gWxT` (W gthread workers x T threads).
 * Usage: npx tsx bench/gunicorn-models.ts [tier=nano] [rounds=2] [models=kiln,sync5,g3x2] [pin|nopin] [ioMs]
 * ioMs: add the bench's upstream wait (kiln bench --io-ms) to the mix.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { GUNICORN_CONF } from '../images/files/gunicorn.ts';
import { defaultStateDir } from '../targets/local/paths.ts';
import { inBox, waitHealthy } from '../pipeline/bench/box.ts';
import { DEFAULT_SEARCH, IO_MS_MAX, ioMsAllowed, measureCapacity } from '../pipeline/bench/capacity.ts';
import { kilnImage } from '../pipeline/bench/image.ts';
import { bootTracked, destroyLive } from '../pipeline/bench/live.ts';
import { canaryWorkload } from '../pipeline/bench/workload.ts';

const [tierName = 'nano', roundsArg = '2', modelsArg = 'kiln,sync5,g3x2', pinArg = 'pin', ioArg] = process.argv.slice(2);
const ioMs = ioArg === undefined ? undefined : Number(ioArg);
if (ioMs !== undefined && !ioMsAllowed(ioMs)) throw new Error(`ioMs ${ioArg}: use an integer 1..${IO_MS_MAX}`);
const tier = findTier(buildCatalog(), tierName);
const pin = pinArg !== 'nopin';
const stateDir = defaultStateDir();
const log = (l: string) => process.stderr.write(`models: ${l}\n`);

/** `name = value` lines of the rendered config, replaced in place (a missing line is a broken model, not a no-op). */
function model(name: string, conf: string): string {
  if (name === 'kiln') return conf;
  const m = name.match(/^sync(\d+)$/) ?? name.match(/^g(\d+)x(\d+)$/);
  if (!m) throw new Error(`model ${name}: use kiln, syncN or gWxT`);
  const values = { workers: m[1], threads: m[2] ?? '1', worker_class: name.startsWith('sync') ? '"sync"' : '"gthread"' };
  return Object.entries(values).reduce((t, [k, v]) => {
    const re = new RegExp(`^${k} = .*$`, 'm');
    if (!re.test(t)) throw new Error(`${GUNICORN_CONF} has no ${k} line`);
    return t.replace(re, `${k} = ${v}`);
  }, conf);
}

const img = await kilnImage(tier, stateDir);
const id = `gm${tierName.slice(0, 2)}${process.pid % 10000}`;
try {
  const box = await bootTracked({
    tier,
    imageRef: img.ref,
    stateDir,
    id,
    cpus: pin ? '1' : undefined,
    variant: 'kiln',
    files: null,
    workload: canaryWorkload(tier, ioMs, img.distro),
    log,
  });
  const conf = join(box.host.root, GUNICORN_CONF);
  const rendered = await readFile(conf, 'utf8');
  const last = new Map<string, number>();
  for (let round = 1; round <= Number(roundsArg); round++) {
    for (const name of modelsArg.split(',')) {
      await writeFile(conf, model(name, rendered));
      await inBox(id, ['systemctl', 'restart', 'kiln-app.service'], 60_000);
      const h = await waitHealthy(box.host, 60, box.workload);
      if (h.inactive.length || h.failing.length) throw new Error(`model ${name}: app not healthy (${[...h.inactive, ...h.failing]})`);
      const prev = last.get(name);
      const r = await measureCapacity(
        { ...box, variant: name },
        round,
        prev ? Math.round(prev * 0.85) : tier.slo.targetRps,
        pin ? '0' : undefined,
        prev ? { ...DEFAULT_SEARCH, growth: 1.25 } : DEFAULT_SEARCH,
      );
      if (r.capacityRps > 0) last.set(name, r.capacityRps);
      console.log(
        JSON.stringify({
          tier: tier.name,
          model: name,
          round,
          pinned: pin,
          ioMs,
          capacityRps: r.capacityRps,
          limitedBy: r.limitedBy,
          firstBadRps: r.firstBadRps,
          boxCpuMsPerRequest: r.boxCpuMsPerRequest,
          memoryPeakMiB: r.memoryPeakMiB,
        }),
      );
    }
  }
} finally {
  await destroyLive(log);
}
