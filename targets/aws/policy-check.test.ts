// The recorded-request reader and the policy check the terraform test relies on: both must be able to say no.
import { describe, expect, it } from 'vitest';
import { iamActionsOf, type RecordedRequest } from './recorded-actions.testkit.ts';
import { policyGaps } from './policy-check.testkit.ts';

const signed = (service: string) => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});
const req = (service: string, body: string, extra: Record<string, string> = {}, encoded = false): RecordedRequest => ({
  headers: { ...signed(service), ...extra },
  method: 'POST',
  url: 'http://127.0.0.1:5000/',
  body: encoded ? Buffer.from(body).toString('base64') : body,
  body_encoded: encoded,
});
const at = { account: '123456789012', region: 'us-east-1' };

describe('iamActionsOf', () => {
  it('names the action by the signing scope and the Action field, or by X-Amz-Target for JSON APIs', () => {
    expect(iamActionsOf(req('ec2', 'Action=RunInstances&Version=2016-11-15'))).toMatchObject({ action: 'ec2:RunInstances' });
    expect(iamActionsOf(req('elasticloadbalancing', 'Action=CreateTargetGroup&Name=kiln-fleet-nano', {}, true))).toEqual({
      action: 'elasticloadbalancing:CreateTargetGroup',
      params: { Action: 'CreateTargetGroup', Name: 'kiln-fleet-nano' },
    });
    expect(
      iamActionsOf(req('ssm', '{"Name":"/kiln/nano/ami","WithDecryption":false}', { 'X-Amz-Target': 'AmazonSSM.GetParameter' })),
    ).toEqual({ action: 'ssm:GetParameter', params: { Name: '/kiln/nano/ami' } });
    expect(iamActionsOf(req('monitoring', 'Action=DescribeAlarms')).action).toBe('cloudwatch:DescribeAlarms');
    expect(() => iamActionsOf({ ...req('ec2', 'Action=X'), headers: {} })).toThrow(/unsigned/);
  });
});

describe('policyGaps', () => {
  const policy = {
    Statement: [
      { Effect: 'Allow', Action: ['ec2:DescribeImages'], Resource: '*' },
      { Effect: 'Allow', Action: ['iam:CreateRole'], Resource: 'arn:aws:iam::${KILN_ACCOUNT}:role/kiln-fleet-*' },
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: 'arn:aws:ssm:${KILN_REGION}:${KILN_ACCOUNT}:parameter/kiln/*/ami' },
      { Effect: 'Deny', Action: ['ec2:RunInstances'], Resource: '*' },
    ],
  };
  it('passes allowed actions on names the scoped statements match', () => {
    expect(
      policyGaps(
        policy,
        [
          { action: 'ec2:DescribeImages', params: {} },
          { action: 'iam:CreateRole', params: { RoleName: 'kiln-fleet-nano' } },
          { action: 'ssm:PutParameter', params: { Name: '/kiln/nano/ami' } },
          { action: 'sts:GetCallerIdentity', params: {} },
        ],
        at,
      ),
    ).toEqual([]);
  });
  it('names an action no Allow lists, a name outside the scope, and a scoped call that names nothing', () => {
    expect(
      policyGaps(
        policy,
        [
          { action: 'ec2:RunInstances', params: {} },
          { action: 'iam:CreateRole', params: { RoleName: 'other-role' } },
          { action: 'ssm:PutParameter', params: { Name: '/team/kiln/nano/ami' } },
          { action: 'iam:CreateRole', params: {} },
        ],
        at,
      ),
    ).toEqual([
      'ec2:RunInstances: no statement allows it',
      'iam:CreateRole: allowed only on arn:aws:iam::${KILN_ACCOUNT}:role/kiln-fleet-*, and the request names no resource to check',
      'iam:CreateRole: arn:aws:iam::123456789012:role/other-role is outside arn:aws:iam::${KILN_ACCOUNT}:role/kiln-fleet-*',
      'ssm:PutParameter: arn:aws:ssm:us-east-1:123456789012:parameter/team/kiln/nano/ami is outside arn:aws:ssm:${KILN_REGION}:${KILN_ACCOUNT}:parameter/kiln/*/ami',
    ]);
  });
});
