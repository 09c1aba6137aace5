import { App } from 'cdktf';
import { CandidateStack } from './candidate.ts';
import { FleetStack } from './fleet.ts';
import type { CandidateStackData, FleetStackData } from './data.ts';

/** What one synth produces: stacks by id, each with its data. */
export interface StacksInput {
  candidates?: Record<string, CandidateStackData>;
  fleets?: Record<string, FleetStackData>;
}

/** Builds the stacks into an App writing to `outdir` (default: the cdktf CLI's CDKTF_OUTDIR, else `cdktf.out`). */
export function buildApp(input: StacksInput, outdir?: string): App {
  const app = new App({ outdir: outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out', skipValidation: false });
  for (const [id, d] of Object.entries(input.candidates ?? {})) new CandidateStack(app, id, d);
  for (const [id, d] of Object.entries(input.fleets ?? {})) new FleetStack(app, id, d);
  return app;
}
