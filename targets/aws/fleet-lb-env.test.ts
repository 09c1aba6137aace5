import { describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { parseFleetLoadBalancer } from './fleet-lb-env.ts';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/0123456789abcdef';
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

describe('fleet env loadBalancer', () => {
  it('an ALB kiln makes: internet-facing HTTP by default, HTTPS with a certificate', () => {
    expect(parseFleetLoadBalancer({ kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'] }, 'f.json')).toEqual({
      kind: 'alb',
      subnetIds: ['subnet-0a', 'subnet-0b'],
      ingressCidrs: ['0.0.0.0/0'],
      internal: false,
    });
    expect(
      parseFleetLoadBalancer(
        { kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'], internal: true, ingressCidrs: ['10.0.0.0/8'], certificateArn: CERT },
        'f.json',
      ),
    ).toEqual({ kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'], ingressCidrs: ['10.0.0.0/8'], internal: true, certificateArn: CERT });
  });

  it("the team's own target group, by its ARN", () => {
    expect(parseFleetLoadBalancer({ kind: 'target-group', arn: TG }, 'f.json')).toEqual({ kind: 'target-group', arn: TG });
  });

  it('names the field, the value, what is allowed and the file to fix; refuses values that would become Terraform code', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /^fleet env loadBalancer = null: an object: .*add loadBalancer to f\.json/],
      [{ kind: 'nlb' }, /^fleet env loadBalancer\.kind = "nlb": "alb" .* or "target-group"/],
      [{ kind: 'alb', subnetIds: ['subnet-0a'] }, /^fleet env loadBalancer\.subnetIds = \["subnet-0a"\]: at least two distinct subnet ids/],
      [{ kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0a'] }, /loadBalancer\.subnetIds = .*at least two distinct/],
      [
        { kind: 'alb', subnetIds: ['subnet-0a', '${aws_iam_role.x.arn}'] },
        /loadBalancer\.subnetIds\[1\] = "\$\{aws_iam_role\.x\.arn\}": a subnet id/,
      ],
      [
        { kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'], ingressCidrs: ['0.0.0.0/33'] },
        /loadBalancer\.ingressCidrs\[0\] = "0\.0\.0\.0\/33": an IPv4 CIDR/,
      ],
      [{ kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'], internal: 'yes' }, /loadBalancer\.internal = "yes": true or false/],
      [
        { kind: 'alb', subnetIds: ['subnet-0a', 'subnet-0b'], certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' },
        /loadBalancer\.certificateArn = .*an ACM certificate/,
      ],
      [{ kind: 'target-group', arn: `${TG}\${x}` }, /loadBalancer\.arn = .*the ARN of an existing target group/],
    ];
    for (const [v, msg] of cases) {
      const err = (() => {
        try {
          parseFleetLoadBalancer(v, 'f.json');
        } catch (e) {
          return e;
        }
      })();
      expect(err, JSON.stringify(v)).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(msg);
    }
  });
});
