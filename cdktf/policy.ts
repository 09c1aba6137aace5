import type { FleetStackData } from './data.ts';

type PolicyInput = Pick<FleetStackData, 'region' | 'accountId' | 'secretsPath'>;

/** The instance role reads its own parameters and secrets (below `secretsPath`) and nothing else. */
export function instanceSecretsPolicy(d: PolicyInput) {
  const path = d.secretsPath.replace(/^\/+|\/+$/g, '');
  const param = `arn:aws:ssm:${d.region}:${d.accountId}:parameter/${path}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        Resource: [param, `${param}/*`],
      },
      {
        Sid: 'OwnSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [`arn:aws:secretsmanager:${d.region}:${d.accountId}:secret:${path}/*`],
      },
    ],
  };
}
