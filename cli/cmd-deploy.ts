/** `kiln deploy --target aws --tier T [--recipe kiln.yaml] --fleet-env FILE [--plan]`: fleet replace-on-deploy, polled to the end. */
import { InputError } from '../images/errors.ts';
import { deployOutcome } from '../pipeline/deploy-outcome.ts';
import { loadCatalog, loadRecipe, output, parse, requireTier, selectTarget, TARGET_FLAGS, TARGET_HELP, type Options } from './args.ts';

export const help = `kiln deploy --target aws --tier T [--recipe kiln.yaml] --fleet-env FILE [--plan] [--json]
  Resolves the promoted image once (refused when unverified or revoked): with a recipe that has app.source,
  the promoted release of its app on the tier (<tier>.<app>), else the tier's base image. Writes its literal
  AMI id and the fleet's user data (the recipe's boot.json with migrate: false: instances do not migrate
  at boot) into a new launch template version of the fleet stack, applies it (terraform >= 1.5 on PATH),
  starts the ASG's instance refresh to that version (auto rollback on the fleet's alarms) and polls it to its
  end, reporting a rollback (instances already on the version are skipped; another refresh running on the
  group is named, never cancelled). --plan stops after synthesizing.
  The fleet env file (or KILN_AWS_FLEET_ENV) holds the account side: region, accountId, vpcId, subnetIds,
  securityGroupIds, capacity, alarmNames, loadBalancer (an ALB kiln makes, or your target group), backend (docs/aws.md). Only targets with a fleet (aws).
  Exit codes: 0 the refresh ended Successful (--plan: synthesized), 1 it ended Failed, Cancelled or rolled
  back, or another refresh is running, 2 bad input (a flag, the fleet env file, a target without a fleet).
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, tier: { type: 'string' }, 'fleet-env': { type: 'string' }, plan: { type: 'boolean' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const recipe = loadRecipe(v.recipe as string | undefined);
  const fleetEnvPath = (v['fleet-env'] as string | undefined) ?? process.env.KILN_AWS_FLEET_ENV;
  if (!fleetEnvPath)
    throw new InputError(
      '--fleet-env',
      null,
      "is required (the fleet's account settings)",
      'pass --fleet-env FILE or set KILN_AWS_FLEET_ENV',
    );
  const { name, target } = selectTarget(v);
  if (!target.fleet) throw new InputError('--target', name, 'a target with a fleet (aws)', 'deploy with --target aws');
  const r = await target.fleet.deploy({ tier, recipe, fleetEnvPath, apply: !v.plan });
  const { exitCode, line } = deployOutcome(r);
  output(v, { ...r, exitCode }, line);
  // Failed, Cancelled and the rollbacks all leave the fleet short of the release: CI must see that as a failure.
  return exitCode;
}
