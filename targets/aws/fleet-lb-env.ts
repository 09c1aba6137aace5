/** The fleet env's `loadBalancer`: which balancer sends the fleet its traffic, checked field by field. */
import type { FleetLoadBalancerData } from '../../cdktf/data.ts';
import { InputError } from '../../images/errors.ts';

// Values land in Terraform JSON, where `${` would interpolate: only the shapes AWS issues are accepted.
const SUBNET = /^subnet-[0-9a-f]{1,17}$/;
const CIDR4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const CERT_ARN = /^arn:aws[a-z-]*:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;
const TG_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z]{2}(-[a-z]+)+-\d:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

const EXAMPLE =
  '{"kind": "alb", "subnetIds": ["subnet-…", "subnet-…"]} or {"kind": "target-group", "arn": "arn:aws:elasticloadbalancing:…:targetgroup/…"}';

/** Pure: the checked load balancer of a fleet env; `source` names the file in the fix. */
export function parseFleetLoadBalancer(v: any, source: string): FleetLoadBalancerData {
  const field = 'fleet env loadBalancer';
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new InputError(
      field,
      v ?? null,
      `an object: ${EXAMPLE}`,
      `add loadBalancer to ${source}: the ASG's ELB health checks need a balancer (docs/aws.md, "The load balancer")`,
    );
  }
  if (v.kind === 'target-group') {
    if (typeof v.arn !== 'string' || !TG_ARN.test(v.arn)) {
      throw new InputError(
        `${field}.arn`,
        v.arn ?? null,
        'the ARN of an existing target group (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)',
        `copy it from the console or \`aws elbv2 describe-target-groups\` into ${source}`,
      );
    }
    return { kind: 'target-group', arn: v.arn };
  }
  if (v.kind !== 'alb')
    throw new InputError(
      `${field}.kind`,
      v.kind ?? null,
      '"alb" (kiln makes one) or "target-group" (yours)',
      `set loadBalancer.kind in ${source}`,
    );
  const subnets = v.subnetIds;
  if (!Array.isArray(subnets) || subnets.length < 2 || new Set(subnets).size !== subnets.length) {
    throw new InputError(
      `${field}.subnetIds`,
      subnets ?? null,
      'at least two distinct subnet ids, in different availability zones (an ALB needs two)',
      `list the balancer's subnets in ${source}`,
    );
  }
  subnets.forEach((s: unknown, i: number) => {
    if (typeof s !== 'string' || !SUBNET.test(s))
      throw new InputError(`${field}.subnetIds[${i}]`, s, 'a subnet id (subnet-…)', `fix it in ${source}`);
  });
  const cidrs = v.ingressCidrs ?? ['0.0.0.0/0'];
  if (!Array.isArray(cidrs) || cidrs.length === 0)
    throw new InputError(
      `${field}.ingressCidrs`,
      cidrs,
      'a non-empty list of IPv4 CIDRs (default ["0.0.0.0/0"])',
      `fix or remove it in ${source}`,
    );
  cidrs.forEach((c: unknown, i: number) => {
    if (typeof c !== 'string' || !CIDR4.test(c))
      throw new InputError(`${field}.ingressCidrs[${i}]`, c, 'an IPv4 CIDR such as 203.0.113.0/24', `fix it in ${source}`);
  });
  if (v.internal !== undefined && typeof v.internal !== 'boolean')
    throw new InputError(`${field}.internal`, v.internal, 'true or false (default false: internet-facing)', `fix it in ${source}`);
  if (v.certificateArn !== undefined && (typeof v.certificateArn !== 'string' || !CERT_ARN.test(v.certificateArn))) {
    throw new InputError(
      `${field}.certificateArn`,
      v.certificateArn,
      "the ARN of an ACM certificate in the fleet's region",
      `fix or remove it in ${source} (without one the balancer serves HTTP on 80 only)`,
    );
  }
  return {
    kind: 'alb',
    subnetIds: subnets,
    ingressCidrs: cidrs,
    internal: v.internal ?? false,
    ...(v.certificateArn ? { certificateArn: v.certificateArn } : {}),
  };
}
