/**
 * `kiln deploy --target aws --tier T`: resolve the promoted AMI once, write its literal id into the
 * fleet stack (a new numbered launch template version on apply), apply, then poll the instance
 * refresh that the ASG starts to its end; on failure report the rollback.
 */
import { join } from 'node:path';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { buildApp } from '../../cdktf/app.ts';
import type { FleetStackData } from '../../cdktf/data.ts';
import type { Tier } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { applyStack, findApplyTool, type ApplyTool } from './apply.ts';
import { fleetData, type FleetEnv } from './fleet-env.ts';
import { promoted, type Promoted } from './promoted.ts';
import { pollInstanceRefresh, type RefreshOutcome } from './refresh-poller.ts';
import { PromotionRefusedError } from './verdict.ts';

export interface DeployPlan { promoted: Promoted; data: FleetStackData; stackId: string }

/** Reads the pointer once and refuses anything deploy must not roll out. */
export async function planDeploy(c: { ssm: SSMClient; ec2: EC2Client }, tier: Tier, env: FleetEnv): Promise<DeployPlan> {
  const p = await promoted(c, tier.name);
  if (!p) throw new InputError('--tier', tier.name, 'a tier with a promoted image', `run kiln promote --target aws for ${tier.name} first`);
  if (p.problems.length) throw new PromotionRefusedError(`refusing to deploy ${p.parameter} version ${p.version} (${p.amiId}): ${p.problems.join('; ')}`);
  const image = (await c.ec2.send(new DescribeImagesCommand({ ImageIds: [p.amiId] }))).Images![0];
  const architecture = image.Architecture === 'arm64' ? 'arm64' : 'x86_64';
  const data = fleetData(tier, env, { amiId: p.amiId, rootDeviceName: image.RootDeviceName ?? '/dev/sda1', architecture });
  return { promoted: p, data, stackId: `fleet-${tier.name}` };
}

/** Synthesizes the fleet stack under `outdir`; returns the stack's directory. */
export function synthFleet(plan: DeployPlan, outdir: string): string {
  buildApp({ fleets: { [plan.stackId]: plan.data } }, outdir).synth();
  return join(outdir, 'stacks', plan.stackId);
}

export interface DeployInput {
  tier: Tier;
  env: FleetEnv;
  outdir: string;
  /** Apply and poll; false stops after synth (a plan). */
  apply: boolean;
  tool?: ApplyTool | null;
  poll?: { intervalSec?: number; timeoutSec?: number };
  log?: (line: string) => void;
}

export interface DeployResult { amiId: string; version: number; stackDir: string; applied: boolean; refresh?: RefreshOutcome }

export async function deploy(
  c: { ssm: SSMClient; ec2: EC2Client; autoscaling: AutoScalingClient },
  input: DeployInput,
): Promise<DeployResult> {
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const plan = await planDeploy(c, input.tier, input.env);
  log(`deploy: ${input.tier.name} -> ${plan.promoted.amiId} (${plan.promoted.parameter} version ${plan.promoted.version})`);
  const stackDir = synthFleet(plan, input.outdir);
  log(`deploy: fleet stack synthesized in ${stackDir}`);
  if (!input.apply) return { amiId: plan.promoted.amiId, version: plan.promoted.version, stackDir, applied: false };
  const tool = input.tool === undefined ? await findApplyTool() : input.tool;
  const since = new Date();
  await applyStack(stackDir, tool);
  const refresh = await pollInstanceRefresh(c.autoscaling, { asgName: plan.data.name, since, log, ...input.poll });
  return { amiId: plan.promoted.amiId, version: plan.promoted.version, stackDir, applied: true, refresh };
}
