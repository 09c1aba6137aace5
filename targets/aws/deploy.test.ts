import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
} from '@aws-sdk/client-auto-scaling';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { Testing } from 'cdktf';
import { parse as parseYaml } from 'yaml';
import { WEB, type Recipe } from '../../images/web.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { InputError } from '../../images/errors.ts';
import { makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { promote } from './promote.ts';
import { awaitImageVersion } from './image-parameter.ts';
import { revoke } from './revoke.ts';
import { deploy } from './deploy.ts';
import { MissingPrerequisiteError } from './prereq.ts';
import { PromotionRefusedError } from './verdict.ts';
import type { FleetEnv } from './fleet-env.ts';
import { writeVerdict } from './verdict.testkit.ts';

let moto: Moto;
let c: ReturnType<Moto['clients']>;
const dir = mkdtempSync(join(tmpdir(), 'kiln-deploy-'));
beforeAll(async () => {
  moto = await startMoto();
  c = moto.clients();
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await moto.reset();
});

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const env: FleetEnv = {
  region: 'us-east-1',
  accountId: '123456789012',
  vpcId: 'vpc-0abc',
  subnetIds: ['subnet-0abc'],
  securityGroupIds: ['sg-0abc'],
  capacity: { min: 2, max: 4, desired: 2 },
  alarmNames: ['kiln-fleet-nano-5xx'],
  loadBalancer: { kind: 'alb', subnetIds: ['subnet-0a1', 'subnet-0b2'], ingressCidrs: ['0.0.0.0/0'], internal: false },
  backend: { kind: 'local', path: 'terraform.fleet-nano.tfstate' },
};
const HASH = 'a'.repeat(64);
async function promotedAmi() {
  const ami = await makeAmi(c.ec2, 'kiln-nano', { 'kiln:tier': 'nano', 'kiln:image-hash': HASH });
  const { path } = writeVerdict(dir, ami.amiId);
  return { ...ami, result: await promote(c, { tier: 'nano', amiId: ami.amiId, verdictPath: path }) };
}
const shop: Recipe = {
  ...WEB,
  app: { ...WEB.app, name: 'shop', source: { kind: 'dir', path: '/src/shop' }, healthPath: '/healthz/', env: { FEATURE: '${x} {{ y }}' } },
};
async function promotedRelease() {
  const ami = await makeAmi(c.ec2, 'kiln-nano-shop', {
    'kiln:tier': 'nano',
    'kiln:image-hash': 'b'.repeat(64),
    'kiln:app': 'shop',
    'kiln:app-sha256': 'c'.repeat(64),
  });
  const { path } = writeVerdict(dir, ami.amiId, {
    mutate: (d) => {
      d.image.lineage.layers = [{ kind: 'app', ref: `us-east-1:${ami.amiId}`, app: { name: 'shop', sha256: 'c'.repeat(64) } }];
    },
  });
  return { ...ami, result: await promote(c, { tier: 'nano', amiId: ami.amiId, verdictPath: path }) };
}
/** The launch template's user data as an instance would get it: base64 -> cloud-config -> /etc/kiln/boot.json. */
function bootJsonOf(stackJson: string): Record<string, unknown> {
  const lt = Object.values(JSON.parse(stackJson).resource.aws_launch_template as Record<string, { user_data: string }>)[0];
  const text = Buffer.from(lt.user_data, 'base64').toString('utf8');
  expect(text.startsWith('#cloud-config\n')).toBe(true);
  const doc = parseYaml(text) as { write_files: { path: string; content: string }[] };
  return JSON.parse(doc.write_files.find((f) => f.path === '/etc/kiln/boot.json')!.content);
}

describe('deploy against the emulator', () => {
  it('writes the literal promoted AMI id into the fleet stack, never $Latest or an SSM lookup', async () => {
    const a = await promotedAmi();
    const r = await deploy(c, { tier: nano, env, outdir: join(dir, 'out1'), apply: false, log: () => {} });
    expect(r).toMatchObject({ amiId: a.amiId, version: 1, applied: false });
    const json = readFileSync(join(r.stackDir, 'cdk.tf.json'), 'utf8');
    expect(
      Testing.toHaveResourceWithProperties(json, 'aws_launch_template', {
        image_id: a.amiId,
        instance_type: 't3.nano',
        metadata_options: { http_tokens: 'required' },
      }),
    ).toBe(true);
    expect(json).not.toContain('$Latest');
    expect(json).not.toContain('resolve:ssm');
    expect(json).not.toContain(dir);
  });

  it("the fleet's user data is the image's boot.json; an instance with its own PostgreSQL migrates its own database at boot", async () => {
    await promotedAmi();
    const r = await deploy(c, { tier: nano, env, outdir: join(dir, 'out-ud'), apply: false, log: () => {} });
    const boot = bootJsonOf(readFileSync(join(r.stackDir, 'cdk.tf.json'), 'utf8'));
    expect(boot).toMatchObject({ migrate: true, tier: 'nano', app: WEB.app.name, imageHash: HASH, secrets: { source: 'ssm' } });
  });

  it('with a recipe that has an app: deploys the promoted release of <tier>.<app>, its health path, never the base', async () => {
    const base = await promotedAmi();
    await expect(deploy(c, { tier: nano, recipe: shop, env, outdir: join(dir, 'out-app'), apply: false, log: () => {} })).rejects.toThrow(
      /--recipe = "nano\.shop": a channel with a promoted image/,
    );
    const rel = await promotedRelease();
    const r = await deploy(c, { tier: nano, recipe: shop, env, outdir: join(dir, 'out-app'), apply: false, log: () => {} });
    expect(r).toMatchObject({ channel: 'nano.shop', amiId: rel.amiId, version: 1 });
    const json = readFileSync(join(r.stackDir, 'cdk.tf.json'), 'utf8');
    expect(Testing.toHaveResourceWithProperties(json, 'aws_launch_template', { image_id: rel.amiId })).toBe(true);
    expect(json).not.toContain(base.amiId);
    expect(Testing.toHaveResourceWithProperties(json, 'aws_lb_target_group', { health_check: { path: '/healthz/' } })).toBe(true);
    expect(bootJsonOf(json)).toMatchObject({
      migrate: shop.services.includes('postgres'),
      app: 'shop',
      imageHash: 'b'.repeat(64),
      env: { FEATURE: '${x} {{ y }}' },
    });
    // The recipe's values stay data: base64 keeps Terraform's `${` out of the stack file.
    expect(json).not.toContain('${x}');
  });

  it("refuses an image without kiln's image-hash tag (not baked by kiln's template)", async () => {
    const bare = await makeAmi(c.ec2, 'kiln-nano-bare', { 'kiln:tier': 'nano' });
    await promote(c, { tier: 'nano', amiId: bare.amiId, verdictPath: writeVerdict(dir, bare.amiId).path });
    await expect(deploy(c, { tier: nano, env, outdir: join(dir, 'out-bare'), apply: false, log: () => {} })).rejects.toThrow(
      /carries no kiln:image-hash tag/,
    );
  });

  it('refuses a revoked version, an unverified pointer and a tier with nothing promoted', async () => {
    await expect(deploy(c, { tier: nano, env, outdir: join(dir, 'out2'), apply: false, log: () => {} })).rejects.toBeInstanceOf(InputError);
    const a = await promotedAmi();
    await revoke(c, { tier: 'nano', version: a.result.version });
    await expect(deploy(c, { tier: nano, env, outdir: join(dir, 'out2'), apply: false, log: () => {} })).rejects.toThrow(/revoked/);
    const rogue = await makeAmi(c.ec2, 'rogue');
    const put = await c.ssm.send(
      new PutParameterCommand({ Name: '/kiln/nano/ami', Value: rogue.amiId, Type: 'String', DataType: 'aws:ec2:image', Overwrite: true }),
    );
    // SSM creates the version only once it has validated the AMI id.
    await awaitImageVersion(c.ssm, '/kiln/nano/ami', put.Version!, rogue.amiId, { sleep: async () => {} });
    await expect(deploy(c, { tier: nano, env, outdir: join(dir, 'out2'), apply: false, log: () => {} })).rejects.toBeInstanceOf(
      PromotionRefusedError,
    );
  });

  it('without an apply tool, synthesizes and then says what to install (exit 2)', async () => {
    await promotedAmi();
    const err = await deploy(c, { tier: nano, env, outdir: join(dir, 'out3'), apply: true, tool: null, log: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingPrerequisiteError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/terraform >= 1\.5/);
    expect(readFileSync(join(dir, 'out3', 'stacks', 'fleet-nano', 'cdk.tf.json'), 'utf8')).toContain('aws_autoscaling_group');
  });

  it("after apply, reads the stack's launch template outputs and rolls the ASG to that version by its own refresh", async () => {
    const old = await makeAmi(c.ec2, 'kiln-nano-old');
    const a = await promotedAmi();
    // What an earlier apply left and this apply adds: version 1 running, version 2 with the promoted AMI.
    const lt = await c.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'kiln-fleet-nano',
        LaunchTemplateData: { ImageId: old.amiId, InstanceType: 't3.nano' },
      }),
    );
    const ltId = lt.LaunchTemplate!.LaunchTemplateId!;
    await c.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: ltId, LaunchTemplateData: { ImageId: a.amiId, InstanceType: 't3.nano' } }),
    );
    await c.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'kiln-fleet-nano',
        MinSize: 1,
        MaxSize: 2,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
        LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' },
      }),
    );
    // A stand-in for terraform: init and apply change nothing here, `output -raw` answers what the apply made.
    const tf = join(dir, 'terraform');
    writeFileSync(
      tf,
      `#!/bin/sh\ncase "$2 $4" in\n  "output launch_template_id") printf %s ${ltId} ;;\n  "output launch_template_version") printf 2 ;;\n  "output load_balancer_dns_name") printf kiln-fleet-nano-1.us-east-1.elb.amazonaws.com ;;\n  output*) exit 1 ;;\nesac\n`,
      { mode: 0o755 },
    );
    const lines: string[] = [];
    const r = await deploy(c, {
      tier: nano,
      env,
      outdir: join(dir, 'out-roll'),
      apply: true,
      tool: { kind: 'terraform', path: tf, version: '1.11.4' },
      poll: { intervalSec: 0 },
      log: (l) => lines.push(l),
    });
    expect(r).toMatchObject({
      applied: true,
      launchTemplate: { id: ltId, version: '2' },
      url: 'http://kiln-fleet-nano-1.us-east-1.elb.amazonaws.com/',
      refresh: { status: 'Successful', ok: true },
    });
    const g = (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['kiln-fleet-nano'] })))
      .AutoScalingGroups![0];
    expect(g.LaunchTemplate).toMatchObject({ LaunchTemplateId: ltId, Version: '2' });
    const refresh = (await c.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'kiln-fleet-nano' })))
      .InstanceRefreshes![0];
    expect(refresh.Preferences).toMatchObject({
      AutoRollback: true,
      SkipMatching: true,
      AlarmSpecification: { Alarms: ['kiln-fleet-nano-5xx'] },
    });
    expect(lines).toContain(`deploy: instance refresh ${r.refresh!.refreshId} started on kiln-fleet-nano to ${ltId} version 2`);
  });
});
