import type { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import type { FleetStackData } from './data.ts';
import { declareBackend } from './backend.ts';
import { FleetLoadBalancer } from './fleet-lb.ts';
import { declareAwsProvider } from './provider.ts';
import { instanceSecretsPolicy } from './policy.ts';

/**
 * The fleet: a launch template holding the literal promoted AMI id (each change is a new numbered
 * version), and an ASG created on the first version. Terraform never moves the ASG to a later version:
 * deploy starts the instance refresh to it (checkpoints, alarms, auto rollback) after apply. Auto
 * rollback needs a numbered version and a literal image id (no `$Latest`, no `resolve:ssm:`), which
 * is why deploy writes the id here instead of pointing at the SSM parameter.
 */
export class FleetStack extends TerraformStack {
  constructor(scope: Construct, id: string, d: FleetStackData) {
    super(scope, id);
    declareBackend(this, d.backend);
    declareAwsProvider(this, d.region, d.tags);

    const role = new IamRole(this, 'role', {
      name: d.name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicy(this, 'secrets', {
      name: `${d.name}-own-secrets`,
      role: role.id,
      policy: JSON.stringify(instanceSecretsPolicy(d)),
    });
    const profile = new IamInstanceProfile(this, 'profile', { name: d.name, role: role.name });

    const lb = new FleetLoadBalancer(this, 'lb', d);

    const lt = new LaunchTemplate(this, 'lt', {
      name: d.name,
      imageId: d.amiId,
      instanceType: d.instanceType,
      creditSpecification: d.cpuCredits ? { cpuCredits: d.cpuCredits } : undefined,
      vpcSecurityGroupIds: [...d.securityGroupIds, ...lb.instanceSecurityGroupIds],
      iamInstanceProfile: { arn: profile.arn },
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: d.rootDeviceName,
          ebs: { volumeSize: d.rootVolumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      // aws_launch_template takes user_data base64-encoded (aws_instance encodes it itself); base64 also keeps `${` out of the JSON.
      userData: d.userData === undefined ? undefined : Buffer.from(d.userData, 'utf8').toString('base64'),
      // Every apply with a new AMI id makes a new numbered version; the ASG pins that number.
      updateDefaultVersion: true,
      tagSpecifications: [
        { resourceType: 'instance', tags: d.tags },
        { resourceType: 'volume', tags: d.tags },
      ],
    });

    const asg = new AutoscalingGroup(this, 'asg', {
      name: d.name,
      minSize: d.minSize,
      maxSize: d.maxSize,
      desiredCapacity: d.desiredCapacity,
      vpcZoneIdentifier: d.subnetIds,
      targetGroupArns: lb.targetGroupArns,
      healthCheckType: 'ELB',
      healthCheckGracePeriod: d.healthCheckGracePeriodSec,
      // Set at creation only: deploy's own refresh moves the group, so a rollback returns to the version it still names (provider issue 34189).
      launchTemplate: { id: lt.id, version: lt.latestVersion.toString() },
      lifecycle: { ignoreChanges: ['launch_template'] },
      tag: Object.entries(d.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    });

    new TerraformOutput(this, 'asg_name', { value: asg.name });
    new TerraformOutput(this, 'launch_template_id', { value: lt.id });
    new TerraformOutput(this, 'launch_template_version', { value: lt.latestVersion });
    new TerraformOutput(this, 'target_group_arn', { value: lb.targetGroupArns[0] });
    if (lb.dnsName) new TerraformOutput(this, 'load_balancer_dns_name', { value: lb.dnsName });
  }
}
