import { describe, expect, it } from 'vitest';
import { Testing } from 'cdktf';
import { FleetStack } from './fleet.ts';
import { exampleFleet as d } from './fixtures.ts';

const synth = (data = d) => Testing.synth(new FleetStack(Testing.app(), 'fleet', data));
const one = (json: string, type: string) => Object.values(JSON.parse(json).resource[type] as Record<string, any>)[0];

describe('FleetStack', () => {
  it('puts the literal promoted AMI id into the launch template, with IMDSv2 required', () => {
    const out = synth();
    expect(
      Testing.toHaveResourceWithProperties(out, 'aws_launch_template', {
        image_id: 'ami-0fedcba9876543210',
        metadata_options: { http_tokens: 'required' },
        update_default_version: true,
      }),
    ).toBe(true);
    const lt = one(out, 'aws_launch_template');
    expect(lt.image_id).toMatch(/^ami-[0-9a-f]+$/);
    expect(out).not.toContain('resolve:ssm');
    expect(out).not.toContain('$Latest');
    expect(out).not.toContain('$Default');
  });

  it('hands the launch template its user data base64-encoded, so no `${` in it reaches Terraform as an interpolation', () => {
    const userData = '#cloud-config\nwrite_files: [{ path: /etc/kiln/boot.json, content: "{\\"env\\":{\\"X\\":\\"${var.x}\\"}}" }]\n';
    const out = synth({ ...d, userData });
    const lt = one(out, 'aws_launch_template');
    expect(Buffer.from(lt.user_data, 'base64').toString('utf8')).toBe(userData);
    expect(out).not.toContain('${var.x}');
    expect(one(synth(), 'aws_launch_template').user_data).toBeUndefined();
  });

  it('sets the credit mode it is given on the launch template (standard on burstable tiers) and nothing otherwise', () => {
    expect(one(synth({ ...d, cpuCredits: 'standard' }), 'aws_launch_template').credit_specification).toEqual({ cpu_credits: 'standard' });
    expect(one(synth({ ...d, cpuCredits: undefined }), 'aws_launch_template').credit_specification).toBeUndefined();
  });

  it('creates the ASG on the numbered version terraform creates, never $Latest, and never moves it to a later one', () => {
    const asg = one(synth(), 'aws_autoscaling_group');
    expect(asg.launch_template.version).toBe('${aws_launch_template.lt.latest_version}');
    expect(asg.launch_template.id).toBe('${aws_launch_template.lt.id}');
    // Deploy starts the refresh itself: Terraform moving the group first would make the new version the rollback target.
    expect(asg.lifecycle.ignore_changes).toEqual(['launch_template']);
    expect(asg.instance_refresh).toBeUndefined();
    expect(asg.health_check_type).toBe('ELB');
    expect(asg.target_group_arns).toEqual(['${aws_lb_target_group.tg.arn}']);
  });

  it('outputs the launch template id and its newest version, which deploy refreshes the ASG to', () => {
    const out = JSON.parse(synth()).output;
    expect(out.launch_template_id.value).toBe('${aws_launch_template.lt.id}');
    expect(out.launch_template_version.value).toBe('${aws_launch_template.lt.latest_version}');
  });

  it('puts the fleet behind an ALB that alone may reach the instances on port 80; the ASG registers into its target group', () => {
    const out = JSON.parse(synth());
    const r = out.resource;
    const lb = Object.values(r.aws_lb as Record<string, any>)[0];
    expect(lb).toMatchObject({
      load_balancer_type: 'application',
      internal: false,
      subnets: ['subnet-0a1', 'subnet-0b2'],
      drop_invalid_header_fields: true,
    });
    const [lbSg, instSg] = ['kiln-fleet-nano-lb', 'kiln-fleet-nano-instances'].map(
      (n) => Object.entries(r.aws_security_group as Record<string, any>).find(([, v]) => v.name === n)![0],
    );
    const ingress = Object.values(r.aws_vpc_security_group_ingress_rule as Record<string, any>);
    expect(ingress.filter((i) => i.security_group_id === `\${aws_security_group.${instSg}.id}`)).toEqual([
      expect.objectContaining({ from_port: 80, to_port: 80, referenced_security_group_id: `\${aws_security_group.${lbSg}.id}` }),
    ]);
    expect(
      ingress.filter((i) => i.security_group_id === `\${aws_security_group.${lbSg}.id}`).map((i) => [i.from_port, i.cidr_ipv4]),
    ).toEqual([[80, '0.0.0.0/0']]);
    const lt = one(synth(), 'aws_launch_template');
    expect(lt.vpc_security_group_ids).toEqual(['sg-0abc', `\${aws_security_group.${instSg}.id}`]);
    const listeners = Object.values(r.aws_lb_listener as Record<string, any>);
    expect(listeners).toEqual([
      expect.objectContaining({
        port: 80,
        protocol: 'HTTP',
        default_action: [{ type: 'forward', target_group_arn: '${aws_lb_target_group.tg.arn}' }],
      }),
    ]);
    expect(one(synth(), 'aws_autoscaling_group').target_group_arns).toEqual(['${aws_lb_target_group.tg.arn}']);
    expect(out.output.load_balancer_dns_name.value).toMatch(/^\$\{aws_lb\./);
  });

  it('with a certificate: HTTPS on 443 with a TLS 1.2+ policy, and 80 only redirects to it', () => {
    const cert = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
    const r = JSON.parse(
      synth({
        ...d,
        loadBalancer: {
          kind: 'alb',
          subnetIds: ['subnet-0a1', 'subnet-0b2'],
          ingressCidrs: ['198.51.100.0/24'],
          internal: true,
          certificateArn: cert,
        },
      }),
    ).resource;
    const listeners = Object.values(r.aws_lb_listener as Record<string, any>).sort((a, b) => a.port - b.port);
    expect(listeners[0]).toMatchObject({
      port: 80,
      protocol: 'HTTP',
      default_action: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }],
    });
    expect(listeners[1]).toMatchObject({
      port: 443,
      protocol: 'HTTPS',
      certificate_arn: cert,
      ssl_policy: expect.stringMatching(/^ELBSecurityPolicy-TLS13-1-2/),
    });
    expect(Object.values(r.aws_lb as Record<string, any>)[0].internal).toBe(true);
    const open = Object.values(r.aws_vpc_security_group_ingress_rule as Record<string, any>).filter((i) => i.cidr_ipv4);
    expect(open.map((i) => [i.from_port, i.cidr_ipv4]).sort()).toEqual([
      [443, '198.51.100.0/24'],
      [80, '198.51.100.0/24'],
    ]);
  });

  it("with the team's own target group: registers into it and makes no balancer, group or rule of its own", () => {
    const arn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/0123456789abcdef';
    const out = JSON.parse(synth({ ...d, loadBalancer: { kind: 'target-group', arn } }));
    expect(one(JSON.stringify(out), 'aws_autoscaling_group').target_group_arns).toEqual([arn]);
    for (const t of ['aws_lb', 'aws_lb_listener', 'aws_lb_target_group', 'aws_security_group', 'aws_vpc_security_group_ingress_rule'])
      expect(out.resource[t]).toBeUndefined();
    expect(one(JSON.stringify(out), 'aws_launch_template').vpc_security_group_ids).toEqual(['sg-0abc']);
    expect(out.output.load_balancer_dns_name).toBeUndefined();
  });

  it('checks the canary /health in the target group', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth(), 'aws_lb_target_group', {
        health_check: { path: '/health', matcher: '200', protocol: 'HTTP' },
      }),
    ).toBe(true);
  });

  it('gives the instances a profile that reads only their own parameters and secrets', () => {
    const out = synth();
    const lt = one(out, 'aws_launch_template');
    expect(lt.iam_instance_profile.arn).toBe('${aws_iam_instance_profile.profile.arn}');
    const policy = JSON.parse(one(out, 'aws_iam_role_policy').policy);
    const resources = policy.Statement.flatMap((s: any) => s.Resource);
    expect(resources).toEqual([
      'arn:aws:ssm:us-east-1:123456789012:parameter/kiln/nano/app',
      'arn:aws:ssm:us-east-1:123456789012:parameter/kiln/nano/app/*',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:kiln/nano/app/*',
    ]);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of s.Action) expect(a).toMatch(/^(ssm:Get|secretsmanager:GetSecretValue)/);
    }
    expect(JSON.stringify(policy)).not.toMatch(/"\*"|:\*"/);
  });

  it('changes only the launch template image when the promoted AMI changes', () => {
    const a = JSON.parse(synth());
    const b = JSON.parse(synth({ ...d, amiId: 'ami-0aaaaaaaaaaaaaaaa' }));
    expect(b.resource.aws_launch_template.lt.image_id).toBe('ami-0aaaaaaaaaaaaaaaa');
    b.resource.aws_launch_template.lt.image_id = a.resource.aws_launch_template.lt.image_id;
    expect(b.resource).toEqual(a.resource);
  });

  it('writes no absolute path', () => {
    const out = synth();
    expect(out).not.toContain(process.cwd());
    expect(JSON.parse(out).terraform.backend).toEqual({ local: { path: 'terraform.fleet-nano.tfstate' } });
  });
});
