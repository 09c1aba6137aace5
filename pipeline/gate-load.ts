/** Where the gate's boxes and load generator run, and the load runner it hands to verify. */
import { availableParallelism } from 'node:os';
import { runLoadInChild } from '../verify/load/child.ts';
import type { Placement } from '../verify/load/cpus.ts';
import { runLoad as runLoadHere } from '../verify/load/run.ts';
import type { LoadResult, LoadSpec } from '../verify/load/types.ts';
import type { ObservedRun } from './gate-median.ts';

export interface GatePlacement {
  boxCpus?: string;
  generator?: Placement;
}

/**
 * The generator in its own process at a higher priority, so SSH samplers on the caller's event loop cannot delay
 * sends. Not pinned: on this shared 2-core host a generator pinned to one CPU was late more often (other jobs'
 * load lands there too, and verify/load/README measured that pinning does not fix timer wake-ups); with 4+ CPUs
 * the boxes get the upper half and the generator the rest.
 */
export const defaultPlacement = (): GatePlacement => {
  const n = availableParallelism();
  return n >= 4 ? { boxCpus: `${n / 2}-${n - 1}`, generator: { cpus: `0-${n / 2 - 1}`, nice: -10 } } : { generator: { nice: -10 } };
};

/** Bound on attempts per load run: an invalid run (late/dropped sends, generator CPU) measured the host, not the box. */
const LOAD_ATTEMPTS = 2;

/** The generator placed as `place` says (a child process at a priority, or in process). */
export const placedRunLoad =
  (place: GatePlacement) =>
  (spec: LoadSpec): Promise<LoadResult> =>
    place.generator ? runLoadInChild(spec, place.generator) : runLoadHere(spec);

/** Reads a box's CPU seconds so far (verify/box-cpu.ts); null = unknown. */
export type BoxCpu = (host: string) => Promise<number | null>;

/**
 * The gate's rules around any generator (here or on a verifier): its late tolerance, an invalid run repeated (bounded),
 * never a valid one. With `cpu`, the target box's CPU is read at the edges of each attempt and observed with the run.
 */
export function gateLoadRules(
  log: (line: string) => void = () => {},
  lateToleranceMs?: number,
  observe?: (run: ObservedRun) => void,
  cpu?: BoxCpu,
) {
  return (run: (spec: LoadSpec) => Promise<LoadResult>) => {
    const once = async (given: LoadSpec): Promise<{ r: LoadResult; cpuSec?: number | null }> => {
      const spec = lateToleranceMs === undefined ? given : { ...given, lateToleranceMs };
      if (!cpu) return { r: await run(spec) };
      const before = await cpu(spec.host);
      const r = await run(spec);
      const after = await cpu(spec.host);
      return { r, cpuSec: before === null || after === null || after < before ? null : after - before };
    };
    return async (spec: LoadSpec): Promise<LoadResult> => {
      let got = await once(spec);
      for (let attempt = 2; !got.r.valid && attempt <= LOAD_ATTEMPTS; attempt++) {
        log(`load run on ${spec.host} invalid (${got.r.invalidReasons.join('; ')}): repeating (${attempt}/${LOAD_ATTEMPTS})`);
        got = await once(spec);
      }
      observe?.({ host: spec.host, result: got.r, ...(cpu ? { cpuSec: got.cpuSec ?? null } : {}) });
      return got.r;
    };
  };
}

/** The load runner the gate hands to verify for a box without a verifier: placed, under the gate's rules. */
export function gateRunLoad(
  place: GatePlacement,
  log: (line: string) => void = () => {},
  lateToleranceMs?: number,
  observe?: (run: ObservedRun) => void,
): (spec: LoadSpec) => Promise<LoadResult> {
  return gateLoadRules(log, lateToleranceMs, observe)(placedRunLoad(place));
}

type LoadRunner = (spec: LoadSpec) => Promise<LoadResult>;

/**
 * The previous box gets the candidate's first run (verify's judged run) too, right after it, unjudged and unobserved,
 * so both boxes enter the A/B equally warmed. Without it only the candidate had served that traffic, and with identical
 * builds its stack PSS sat ~10 % (14 MiB on nano) above the previous box's through the whole window.
 */
export function warmPreviousAlike(
  decorate: (run: LoadRunner) => LoadRunner,
  candidateHost: string,
  previous: { host: string; port: number },
): (run: LoadRunner) => LoadRunner {
  return (run) => {
    const ruled = decorate(run);
    let warmed = false;
    return async (spec) => {
      const r = await ruled(spec);
      if (!warmed && spec.host === candidateHost) {
        warmed = true;
        // Unjudged: whatever it measured, the A/B that follows is what counts.
        await run({ ...spec, ...previous }).catch(() => undefined);
      }
      return r;
    };
  };
}
