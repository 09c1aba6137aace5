/** kiln's command table: each command's help, the flags it parses (besides args.ts COMMON) and its run. */
import type { Options } from './args.ts';

export type Command = { help: string; flags: Options; run: (argv: string[]) => Promise<number> };

// Loaded on use: `kiln tiers` does not pay for the AWS SDK.
export const COMMANDS: Record<string, () => Promise<Command>> = {
  tiers: () => import('./cmd-tiers.ts'),
  render: () => import('./cmd-render.ts'),
  validate: () => import('./cmd-validate.ts'),
  nightly: () => import('./cmd-nightly.ts'),
  bake: () => import('./cmd-bake.ts'),
  launch: () => import('./cmd-launch.ts'),
  verify: () => import('./cmd-verify.ts'),
  promote: () => import('./cmd-promote.ts'),
  promoted: () => import('./cmd-promoted.ts'),
  destroy: () => import('./cmd-destroy.ts'),
  janitor: () => import('./cmd-janitor.ts'),
  deploy: () => import('./cmd-deploy.ts'),
  revoke: () => import('./cmd-revoke.ts'),
  bench: () => import('./cmd-bench.ts'),
  gate: () => import('./cmd-gate.ts'),
  'iam-policy': () => import('./cmd-iam-policy.ts'),
  version: () => import('./cmd-version.ts'),
};
