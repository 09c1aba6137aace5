import { App } from 'cdktf';
import { CandidateStack } from './candidate.ts';
import { FleetStack } from './fleet.ts';
import type { CandidateStackData, FleetStackData } from './data.ts';

/** What one synth produces: stacks by id, each with its data. */
export interface StacksInput {
  candidates?: Record<string, CandidateStackData>;
  fleets?: Record<string, FleetStackData>;
}

/** Builds the stacks into an App writing to `outdir` (relative paths stay relative in the output). */
export function buildApp(input: StacksInput, outdir = 'cdktf.out'): App {
  const app = new App({ outdir, skipValidation: false });
  for (const [id, d] of Object.entries(input.candidates ?? {})) new CandidateStack(app, id, d);
  for (const [id, d] of Object.entries(input.fleets ?? {})) new FleetStack(app, id, d);
  return app;
}
