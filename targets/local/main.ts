/** Stand-alone entry for the local target (tests and debugging): `tsx targets/local/main.ts <cmd> ...`, JSON on stdout. */
import { parseArgs } from 'node:util';
import { InputError } from '../../images/errors.ts';
import { bake, destroy, janitor, launch, promote, promoted } from './index.ts';

const { positionals, values: o } = parseArgs({
  allowPositionals: true,
  options: {
    tier: { type: 'string' },
    bundle: { type: 'string' },
    image: { type: 'string' },
    id: { type: 'string' },
    'state-dir': { type: 'string' },
    'cache-dir': { type: 'string' },
    cpus: { type: 'string' },
    'burst-baseline': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    verdict: { type: 'string' },
  },
});

const need = (v: string | undefined, flag: string): string => {
  if (!v) throw new InputError(flag, v, 'required', `pass ${flag}`);
  return v;
};

async function main(): Promise<unknown> {
  const stateDir = o['state-dir'];
  switch (positionals[0]) {
    case 'bake':
      return bake({ tier: need(o.tier, '--tier'), bundleDir: need(o.bundle, '--bundle'), stateDir, cacheDir: o['cache-dir'] });
    case 'launch':
      return launch({
        imageRef: need(o.image, '--image'),
        tier: need(o.tier, '--tier'),
        id: o.id,
        stateDir,
        cpus: o.cpus,
        burstBaseline: o['burst-baseline'],
      });
    case 'destroy':
      return destroy(need(positionals[1] ?? o.id, 'ID'), { stateDir }).then(() => ({ destroyed: positionals[1] ?? o.id }));
    case 'janitor':
      return janitor({ stateDir, cacheDir: o['cache-dir'], dryRun: o['dry-run'] });
    case 'promote':
      return promote({ verdictPath: need(o.verdict, '--verdict'), stateDir });
    case 'promoted':
      return (await promoted(need(o.tier, '--tier'), stateDir)) ?? null;
    default:
      throw new InputError('command', positionals[0], 'bake | launch | destroy | janitor | promote | promoted', 'pick one');
  }
}

main().then(
  (out) => process.stdout.write(`${JSON.stringify(out, null, 2)}\n`),
  (e: Error) => {
    process.stderr.write(`kiln local: ${e.message}\n`);
    process.exitCode = e instanceof InputError ? 2 : 1;
  },
);
