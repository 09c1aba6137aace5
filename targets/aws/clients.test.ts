import { describe, expect, it } from 'vitest';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { awsClients } from './clients.ts';
import { startMoto } from './moto.testkit.ts';
import { MissingPrerequisiteError } from './prereq.ts';

describe('awsClients', () => {
  it('refuses to build clients without credentials or region (no metadata probing)', () => {
    expect(() => awsClients({ env: { AWS_REGION: 'us-east-1', HOME: '/nonexistent' } })).toThrow(MissingPrerequisiteError);
    expect(() => awsClients({ env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } })).toThrow(/--region/);
  });

  it('talks to the endpoint KILN_AWS_ENDPOINT names', async () => {
    const moto = await startMoto();
    try {
      const c = awsClients({
        env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', KILN_AWS_ENDPOINT: moto.endpoint },
      });
      const r = await c.ec2.send(new DescribeRegionsCommand({}));
      expect(r.Regions?.map((x) => x.RegionName)).toContain('us-east-1');
    } finally {
      await moto.stop();
    }
  });
});
