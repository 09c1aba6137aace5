/**
 * `kiln deploy --target aws --tier T [--recipe kiln.yaml]`: resolve the promoted AMI of the recipe's channel once
 * (the release of its app, `<tier>.<app>`, or the tier's base image for the canary), write its literal id and the
 * fleet's user data (boot.json, migrate: false) into the fleet stack (a new numbered launch template version on
 * apply), apply, then start the ASG's instance refresh to that version and poll it to its end; on failure report
 * the rollback.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { buildApp } from '../../cdktf/app.ts';
import type { FleetStackData } from '../../cdktf/data.ts';
import type { Tier } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { isCanary, WEB, type Recipe } from '../../images/web.ts';
import { channelOfRecipe } from '../channel.ts';
import { applyStack, findApplyTool, stackOutput, type ApplyTool } from './apply.ts';
import { fleetData, type FleetEnv } from './fleet-env.ts';
import { fleetUserData } from './fleet-user-data.ts';
import { promoted, type Promoted } from './promoted.ts';
import type { RefreshOutcome } from './refresh-poller.ts';
import { rollOut } from './roll-out.ts';
import { TAG, tagMap } from './tags.ts';
import { PromotionRefusedError } from './verdict.ts';

export interface DeployPlan {
  promoted: Promoted;
  data: FleetStackData;
  stackId: string;
}

/** Reads the recipe's channel once and refuses anything deploy must not roll out. */
export async function planDeploy(
  c: { ssm: SSMClient; ec2: EC2Client },
  tier: Tier,
  env: FleetEnv,
  recipe: Recipe = WEB,
): Promise<DeployPlan> {
  const channel = channelOfRecipe(tier.name, recipe);
  const p = await promoted(c, channel);
  if (!p) {
    throw new InputError(
      isCanary(recipe) ? '--tier' : '--recipe',
      channel,
      `a channel with a promoted image (${channel} has none)`,
      isCanary(recipe)
        ? `run kiln promote --target aws for ${tier.name} first`
        : `bake, verify and promote a release of ${recipe.app.name} on ${tier.name} first`,
    );
  }
  if (p.problems.length)
    throw new PromotionRefusedError(`refusing to deploy ${p.parameter} version ${p.version} (${p.amiId}): ${p.problems.join('; ')}`);
  const image = (await c.ec2.send(new DescribeImagesCommand({ ImageIds: [p.amiId] }))).Images![0];
  const architecture = image.Architecture === 'arm64' ? 'arm64' : 'x86_64';
  // The user data names what the image was rendered from (lineage only); an image without it was not baked by kiln's template.
  const imageHash = tagMap(image.Tags)[TAG.imageHash] ?? '';
  if (!/^[0-9a-f]{64}$/.test(imageHash))
    throw new PromotionRefusedError(
      `refusing to deploy ${p.amiId}: it carries no ${TAG.imageHash} tag (not baked by kiln's Packer template)`,
    );
  const app = isCanary(recipe) ? null : recipe.app.name;
  const boot = { userData: fleetUserData(tier, recipe, imageHash), healthPath: recipe.app.healthPath, app };
  const data = fleetData(tier, env, { amiId: p.amiId, rootDeviceName: image.RootDeviceName ?? '/dev/sda1', architecture }, boot);
  return { promoted: p, data, stackId: `fleet-${tier.name}` };
}

/** Synthesizes the fleet stack under `outdir`; returns the stack's directory. */
export function synthFleet(plan: DeployPlan, outdir: string): string {
  // cdktf creates only the last directory of its outdir: a fresh work dir would fail here.
  mkdirSync(outdir, { recursive: true });
  buildApp({ fleets: { [plan.stackId]: plan.data } }, outdir).synth();
  return join(outdir, 'stacks', plan.stackId);
}

export interface DeployInput {
  tier: Tier;
  /** What is deployed: its app's promoted release on the tier, or (the canary, the default) the tier's base image. */
  recipe?: Recipe;
  env: FleetEnv;
  outdir: string;
  /** Apply and poll; false stops after synth (a plan). */
  apply: boolean;
  tool?: ApplyTool | null;
  poll?: { intervalSec?: number; timeoutSec?: number };
  log?: (line: string) => void;
}

export interface DeployResult {
  channel: string;
  amiId: string;
  version: number;
  stackDir: string;
  applied: boolean;
  /** The launch template version the apply made and the refresh rolls the fleet to. */
  launchTemplate?: { id: string; version: string };
  /** Where users reach the fleet: the URL of the ALB kiln made (absent behind the team's own target group). */
  url?: string;
  refresh?: RefreshOutcome;
}

export async function deploy(
  c: { ssm: SSMClient; ec2: EC2Client; autoscaling: AutoScalingClient },
  input: DeployInput,
): Promise<DeployResult> {
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const plan = await planDeploy(c, input.tier, input.env, input.recipe);
  const channel = plan.promoted.tier;
  log(`deploy: ${input.tier.name} -> ${plan.promoted.amiId} (${plan.promoted.parameter} version ${plan.promoted.version})`);
  const stackDir = synthFleet(plan, input.outdir);
  log(`deploy: fleet stack synthesized in ${stackDir}`);
  if (!input.apply) return { channel, amiId: plan.promoted.amiId, version: plan.promoted.version, stackDir, applied: false };
  const tool = input.tool === undefined ? await findApplyTool() : input.tool;
  await applyStack(stackDir, tool);
  // applyStack refuses a missing tool, so here there is one.
  const applied = tool as ApplyTool;
  const launchTemplate = {
    id: await stackOutput(stackDir, applied, 'launch_template_id'),
    version: await stackOutput(stackDir, applied, 'launch_template_version'),
  };
  const refresh = await rollOut(c.autoscaling, {
    asgName: plan.data.name,
    launchTemplateId: launchTemplate.id,
    launchTemplateVersion: launchTemplate.version,
    data: plan.data,
    poll: input.poll,
    log,
  });
  const lb = plan.data.loadBalancer;
  const url =
    lb.kind === 'alb'
      ? `${lb.certificateArn ? 'https' : 'http'}://${await stackOutput(stackDir, applied, 'load_balancer_dns_name')}/`
      : undefined;
  return {
    channel,
    amiId: plan.promoted.amiId,
    version: plan.promoted.version,
    stackDir,
    applied: true,
    launchTemplate,
    ...(url ? { url } : {}),
    refresh,
  };
}
