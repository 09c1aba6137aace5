/** The AWS target's entry points, for the CLI (`kiln … --target aws`). */
export { awsClients, type AwsClients } from './clients.ts';
export { bake, preflight, bakeVars, type BakeInput, type BakeResult } from './bake.ts';
export { launch, destroy, candidateData, type LaunchInput, type AwsHost } from './launch.ts';
export { promote, type PromoteInput, type PromoteResult } from './promote.ts';
export { promoted, type Promoted } from './promoted.ts';
export { revoke, type RevokeResult } from './revoke.ts';
export { deploy, planDeploy, synthFleet, type DeployInput, type DeployResult } from './deploy.ts';
export { loadFleetEnv, fleetData, type FleetEnv } from './fleet-env.ts';
export { pollInstanceRefresh, type RefreshOutcome } from './refresh-poller.ts';
export { rollOut, type RollOutInput } from './roll-out.ts';
export { janitor, type JanitorReport, type Leftover } from './janitor.ts';
export { MissingPrerequisiteError } from './prereq.ts';
export { PromotionRefusedError, readVerdict } from './verdict.ts';
export { TAG, runTags } from './tags.ts';
