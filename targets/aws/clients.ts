/** SDK v3 clients for the AWS target; refuses to start without credentials rather than probe the metadata address. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { InputError } from '../../images/errors.ts';
import { CREDENTIALS_HINT, credentialSource, MissingPrerequisiteError } from './prereq.ts';

export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  autoscaling: AutoScalingClient;
}

/**
 * Region from the argument, else AWS_REGION / AWS_DEFAULT_REGION. `KILN_AWS_ENDPOINT` points every
 * client at one endpoint (an emulator on loopback); otherwise the SDK's own endpoints are used.
 */
export function awsClients(opts: { region?: string; env?: NodeJS.ProcessEnv } = {}): AwsClients {
  const env = opts.env ?? process.env;
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new InputError('--region', region ?? null, 'an AWS region', 'pass --region or set AWS_REGION');
  if (!credentialSource(env)) throw new MissingPrerequisiteError([CREDENTIALS_HINT], 'kiln --target aws');
  // Keys given in `env` are used as given; other sources (profile, web identity) go through the SDK's chain.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            sessionToken: env.AWS_SESSION_TOKEN,
          },
        }
      : {};
  const config = { region, ...keys, ...(env.KILN_AWS_ENDPOINT ? { endpoint: env.KILN_AWS_ENDPOINT } : {}) };
  return { ec2: new EC2Client(config), ssm: new SSMClient(config), autoscaling: new AutoScalingClient(config) };
}
