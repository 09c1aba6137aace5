import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { FleetStackData } from './data.ts';

/** TLS 1.3 with 1.2 for older clients: AWS's recommended ALB policy. */
export const ALB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * What puts the fleet behind a load balancer: the ASG's target groups, the security groups its instances need
 * so that the balancer (and only it) reaches port 80, and the address users reach.
 */
export class FleetLoadBalancer extends Construct {
  readonly targetGroupArns: string[];
  readonly instanceSecurityGroupIds: string[];
  /** The balancer's DNS name; absent when the team brings its own target group. */
  readonly dnsName?: string;

  constructor(scope: Construct, id: string, d: FleetStackData) {
    super(scope, id);
    const lbd = d.loadBalancer;
    if (lbd.kind === 'target-group') {
      // The team's balancer, listener and security groups are theirs; the ASG only registers into their group.
      this.targetGroupArns = [lbd.arn];
      this.instanceSecurityGroupIds = [];
      return;
    }

    const tg = new LbTargetGroup(this, 'tg', {
      name: d.name,
      port: 80,
      protocol: 'HTTP',
      vpcId: d.vpcId,
      deregistrationDelay: '30',
      healthCheck: {
        enabled: true,
        path: d.healthCheckPath,
        protocol: 'HTTP',
        matcher: '200',
        interval: 10,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    // The address fleets applied before the balancer existed keep their group under.
    tg.overrideLogicalId('tg');

    const lbSg = new SecurityGroup(this, 'lb-sg', {
      name: `${d.name}-lb`,
      description: `kiln: who may reach the ${d.name} load balancer`,
      vpcId: d.vpcId,
    });
    const instSg = new SecurityGroup(this, 'instance-sg', {
      name: `${d.name}-instances`,
      description: `kiln: ${d.name} instances take HTTP from their load balancer only`,
      vpcId: d.vpcId,
    });
    const ports = lbd.certificateArn ? [80, 443] : [80];
    lbd.ingressCidrs.forEach((cidr, i) => {
      for (const port of ports) {
        new VpcSecurityGroupIngressRule(this, `lb-in-${port}-${i}`, {
          securityGroupId: lbSg.id,
          description: `HTTP${port === 443 ? 'S' : ''} from ${cidr}`,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        });
      }
    });
    new VpcSecurityGroupEgressRule(this, 'lb-out', {
      securityGroupId: lbSg.id,
      description: 'to the instances, port 80',
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      referencedSecurityGroupId: instSg.id,
    });
    new VpcSecurityGroupIngressRule(this, 'instance-in', {
      securityGroupId: instSg.id,
      description: 'HTTP from the load balancer',
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      referencedSecurityGroupId: lbSg.id,
    });
    // At boot an instance reads its secrets from SSM / Secrets Manager over HTTPS; a group made by Terraform has no egress until stated.
    new VpcSecurityGroupEgressRule(this, 'instance-out', {
      securityGroupId: instSg.id,
      description: 'HTTPS to AWS APIs (SSM, Secrets Manager)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    });

    const lb = new Lb(this, 'lb', {
      name: d.name,
      internal: lbd.internal,
      loadBalancerType: 'application',
      securityGroups: [lbSg.id],
      subnets: lbd.subnetIds,
      // Requests with header names nginx and Django would read differently are dropped at the edge.
      dropInvalidHeaderFields: true,
    });
    const forward = [{ type: 'forward', targetGroupArn: tg.arn }];
    if (lbd.certificateArn) {
      new LbListener(this, 'https', {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: ALB_TLS_POLICY,
        certificateArn: lbd.certificateArn,
        defaultAction: forward,
      });
      new LbListener(this, 'http', {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      });
    } else {
      new LbListener(this, 'http', { loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultAction: forward });
    }
    this.targetGroupArns = [tg.arn];
    this.instanceSecurityGroupIds = [instSg.id];
    this.dnsName = lb.dnsName;
  }
}
