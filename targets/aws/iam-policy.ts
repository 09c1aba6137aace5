/**
 * The IAM policy a team attaches to the role kiln runs as. docs/iam-policy.json is its rendering for the default
 * SSM prefix (/kiln); `kiln iam-policy --ssm-prefix /team/kiln` renders it for another. The `${KILN_REGION}`,
 * `${KILN_ACCOUNT}` and `${KILN_BUILD_VPC}` placeholders stay for the team to fill in (docs/aws.md).
 */
import { InputError } from '../../images/errors.ts';
import { DEFAULT_PREFIX } from './pointer.ts';
import { AWS_FIELDS } from './settings.ts';

const PREFIX = AWS_FIELDS.find((f) => f.key === 'ssmPrefix')!;

/** The policy document for pointers under `ssmPrefix` (validated like --ssm-prefix; it lands in an ARN, never in code). */
export function iamPolicy(ssmPrefix: string = DEFAULT_PREFIX) {
  if (!PREFIX.pattern.test(ssmPrefix))
    throw new InputError('--ssm-prefix', ssmPrefix, `must be ${PREFIX.allowed}`, `pass --ssm-prefix ${PREFIX.example}`);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadOnlyDiscovery',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeImages',
          'ec2:DescribeImageAttribute',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
          'ec2:DescribeInstanceAttribute',
          'ec2:DescribeSnapshots',
          'ec2:DescribeVolumes',
          'ec2:DescribeKeyPairs',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSecurityGroupRules',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
          'ec2:DescribeRegions',
          'ec2:DescribeTags',
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetConsoleOutput',
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeInstanceRefreshes',
          'autoscaling:DescribeScalingActivities',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetGroupAttributes',
          'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeTags',
          'ec2:DescribeInstanceCreditSpecifications',
          'ec2:DescribeInstanceTypes',
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeLoadBalancerAttributes',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeListenerAttributes',
          'elasticloadbalancing:DescribeCapacityReservation',
        ],
        Resource: '*',
      },
      {
        Sid: 'BakeAndLaunchCreate',
        Effect: 'Allow',
        Action: [
          'ec2:RunInstances',
          'ec2:CreateSecurityGroup',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:CreateKeyPair',
          'ec2:ImportKeyPair',
          'ec2:CreateVolume',
          'ec2:AttachVolume',
          'ec2:DetachVolume',
          'ec2:CreateSnapshot',
          'ec2:CreateImage',
          'ec2:RegisterImage',
          'ec2:CopyImage',
          'ec2:ModifyImageAttribute',
          'ec2:ModifySnapshotAttribute',
          'ec2:ModifyInstanceAttribute',
          'ec2:EnableImageDeprecation',
          'ec2:StopInstances',
          'ec2:CreateTags',
          'ec2:ModifyInstanceCreditSpecification',
        ],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:RequestedRegion': '${KILN_REGION}',
          },
        },
      },
      {
        Sid: 'RemoveOnlyWhatKilnTagged',
        Effect: 'Allow',
        Action: [
          'ec2:TerminateInstances',
          'ec2:DeregisterImage',
          'ec2:DeleteSnapshot',
          'ec2:DeleteVolume',
          'ec2:DeleteKeyPair',
          'ec2:DeleteSecurityGroup',
        ],
        Resource: '*',
        Condition: {
          Null: {
            'aws:ResourceTag/kiln:tier': 'false',
          },
        },
      },
      {
        Sid: 'PackerTemporaryKeyPair',
        Effect: 'Allow',
        Action: ['ec2:DeleteKeyPair'],
        Resource: 'arn:aws:ec2:${KILN_REGION}:${KILN_ACCOUNT}:key-pair/packer_*',
      },
      {
        Sid: 'PackerTemporarySecurityGroupInBuildVpc',
        Effect: 'Allow',
        Action: ['ec2:DeleteSecurityGroup'],
        Resource: 'arn:aws:ec2:${KILN_REGION}:${KILN_ACCOUNT}:security-group/*',
        Condition: {
          StringEquals: {
            'ec2:Vpc': 'arn:aws:ec2:${KILN_REGION}:${KILN_ACCOUNT}:vpc/${KILN_BUILD_VPC}',
          },
        },
      },
      {
        Sid: 'PromotionPointer',
        Effect: 'Allow',
        Action: [
          'ssm:GetParameter',
          'ssm:GetParameterHistory',
          'ssm:PutParameter',
          'ssm:LabelParameterVersion',
          'ssm:UnlabelParameterVersion',
        ],
        Resource: `arn:aws:ssm:\${KILN_REGION}:\${KILN_ACCOUNT}:parameter${ssmPrefix}/*/ami`,
      },
      {
        Sid: 'VerifierImageLookup',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: 'arn:aws:ssm:${KILN_REGION}::parameter/aws/service/canonical/ubuntu/server/24.04/stable/current/*',
      },
      {
        Sid: 'FleetLaunchTemplateAndGroup',
        Effect: 'Allow',
        Action: [
          'ec2:CreateLaunchTemplate',
          'ec2:CreateLaunchTemplateVersion',
          'ec2:ModifyLaunchTemplate',
          'ec2:DeleteLaunchTemplate',
          'autoscaling:CreateAutoScalingGroup',
          'autoscaling:UpdateAutoScalingGroup',
          'autoscaling:DeleteAutoScalingGroup',
          'autoscaling:StartInstanceRefresh',
          'autoscaling:CancelInstanceRefresh',
          'autoscaling:RollbackInstanceRefresh',
          'autoscaling:CreateOrUpdateTags',
          'autoscaling:AttachLoadBalancerTargetGroups',
          'autoscaling:DetachLoadBalancerTargetGroups',
          'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes',
          'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:AddTags',
          'elasticloadbalancing:CreateLoadBalancer',
          'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:DeleteLoadBalancer',
          'elasticloadbalancing:CreateListener',
          'elasticloadbalancing:DeleteListener',
        ],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:RequestedRegion': '${KILN_REGION}',
          },
        },
      },
      {
        Sid: 'FleetInstanceRoleOnlyKilnNames',
        Effect: 'Allow',
        Action: [
          'iam:GetRole',
          'iam:CreateRole',
          'iam:DeleteRole',
          'iam:TagRole',
          'iam:PutRolePolicy',
          'iam:GetRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:ListRolePolicies',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          'iam:GetInstanceProfile',
          'iam:CreateInstanceProfile',
          'iam:DeleteInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
        ],
        Resource: ['arn:aws:iam::${KILN_ACCOUNT}:role/kiln-fleet-*', 'arn:aws:iam::${KILN_ACCOUNT}:instance-profile/kiln-fleet-*'],
      },
      {
        Sid: 'PassOnlyTheFleetRoleToEc2',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::${KILN_ACCOUNT}:role/kiln-fleet-*',
        Condition: {
          StringEquals: {
            'iam:PassedToService': 'ec2.amazonaws.com',
          },
        },
      },
      {
        Sid: 'AutoScalingServiceLinkedRole',
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: 'arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*',
        Condition: {
          StringLike: {
            'iam:AWSServiceName': 'autoscaling.amazonaws.com',
          },
        },
      },
    ],
  };
}
