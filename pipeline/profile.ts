/**
 * Measures a release image's app on a booted box of its tier (verify/profile.ts): boot, seed, warm up under the
 * recipe's traffic, every thread busy, more traffic; a snapshot of gunicorn's processes after each. The box goes
 * away whatever happens.
 */
import type { Tier } from '../images/tiers.ts';
import type { Log, Target } from '../targets/target.ts';
import { hostHeaderFor, trafficLoad, targetRpsFor } from '../verify/defaults.ts';
import { validateHost } from '../model/host.ts';
import type { ImageBundle } from '../model/image-bundle.ts';
import { verifierRunLoad } from '../verify/load/remote.ts';
import type { LoadResult, LoadSpec } from '../verify/load/types.ts';
import { profileFromSnapshots, snapshotGunicorn, type MeasuredProfile } from '../verify/profile.ts';
import { runSeed } from '../verify/seed.ts';
import { SshSession } from '../verify/ssh.ts';
import { withBoxes } from './boxes.ts';

export interface ProfileInput {
  target: Target;
  tier: Tier;
  imageRef: string;
  bundle: ImageBundle;
  boxId: string;
  cpus?: string;
  readyTimeoutSec?: number;
  secretsFile?: string;
  runLoad: (spec: LoadSpec) => Promise<LoadResult>;
  onLaunching?: (id: string) => void | Promise<void>;
  log?: Log;
}

/** Seconds of each phase: enough requests per worker to reach a steady heap, short next to a bake. */
export const PROFILE_PHASES = { warmSec: 20, busySec: 15, moreSec: 20 } as const;

export async function measureProfile(input: ProfileInput): Promise<MeasuredProfile> {
  const log = input.log ?? (() => undefined);
  const { manifest } = input.bundle;
  const traffic = manifest.recipe.traffic;
  const threads = Number(manifest.settings.gunicorn?.threads);
  const workers = Number(manifest.settings.gunicorn?.workers);
  if (!(threads > 0 && workers > 0)) throw new Error(`image ${input.imageRef} records no gunicorn workers/threads: bake it again`);
  const box = {
    ref: input.imageRef,
    tier: input.tier,
    id: input.boxId,
    cpus: input.cpus,
    readyTimeoutSec: input.readyTimeoutSec,
    secretsFile: input.secretsFile,
  };
  return withBoxes(
    input.target,
    [box],
    async ([raw]) => {
      const host = validateHost(raw);
      const hostHeader = hostHeaderFor(manifest.recipe.app.domains);
      const base = {
        ...trafficLoad(host.address, traffic, input.tier.slo, { warmupSec: 2, durationSec: PROFILE_PHASES.warmSec, timeoutMs: 10_000 }),
        ...(hostHeader ? { hostHeader } : {}),
      };
      const rps = targetRpsFor(input.tier.slo, traffic);
      // A box behind a verifier takes load from its verifier only.
      const remote = host.verifier ? verifierRunLoad(host.verifier) : null;
      const runLoad = remote?.runLoad ?? input.runLoad;
      const session = await SshSession.connect(host);
      try {
        const seeded = await runSeed(session, manifest.recipe.app.seed);
        if (seeded && seeded.status !== 'pass') throw new Error(`the seed failed: ${seeded.evidence}`);
        const phase = async (what: string, spec: LoadSpec) => {
          log(`profile: ${what}`);
          const r = await runLoad(spec);
          const m = r.measure;
          log(`profile: ${what}: ${m.responses} responses, ${m.errorTotal} errors, p99 ${m.latency.p99Ms.toFixed(1)} ms`);
          if (m.responses === 0) throw new Error(`no response during "${what}": the app does not serve its traffic`);
          return snapshotGunicorn(session);
        };
        const warm = await phase(`warm-up at ${rps} req/s`, { ...base, rps });
        // As many connections as threads, kept full: every thread of every worker holds a request at once.
        const slots = workers * threads;
        const busy = await phase(`${slots} requests in flight`, {
          ...base,
          rps: rps * 20,
          maxConnections: slots,
          preconnect: slots,
          durationSec: PROFILE_PHASES.busySec,
        });
        const after = await phase(`more traffic at ${rps} req/s`, { ...base, rps, durationSec: PROFILE_PHASES.moreSec });
        return profileFromSnapshots(warm, busy, after, threads);
      } finally {
        session.close();
        remote?.close();
      }
    },
    { log, onLaunching: input.onLaunching },
  );
}
