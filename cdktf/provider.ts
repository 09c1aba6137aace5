import type { TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';

/**
 * The hashicorp/aws versions the stacks are written for. @cdktf/provider-aws pins the exact version it was
 * generated from (6.x); the resources kiln uses read the same on 5.100 (what mirrors commonly hold) and on 6.x.
 */
export const AWS_PROVIDER_CONSTRAINT = '>= 5.100, < 7.0';

/** The stack's aws provider, with default tags and the version range above instead of the binding's exact pin. */
export function declareAwsProvider(stack: TerraformStack, region: string, tags: Record<string, string>): AwsProvider {
  const p = new AwsProvider(stack, 'aws', { region, defaultTags: [{ tags }] });
  stack.addOverride('terraform.required_providers.aws.version', AWS_PROVIDER_CONSTRAINT);
  return p;
}
