/** The per-channel pointer (a tier's base, or an app's release on it): an SSM parameter whose versions are the promotions, with labels binding verdicts. */
import { GetParameterHistoryCommand, ParameterNotFound, type ParameterHistory, type SSMClient } from '@aws-sdk/client-ssm';

import { InputError } from '../../images/errors.ts';
import { CHANNEL } from '../channel.ts';

export const DEFAULT_PREFIX = '/kiln';

/** A channel's pointer: `/kiln/<tier>/ami` for the tier's base image, `/kiln/<tier>.<app>/ami` for a release of that app. */
export function parameterName(channel: string, prefix = DEFAULT_PREFIX): string {
  if (!CHANNEL.test(channel))
    throw new InputError(
      'channel',
      channel,
      `a tier name, optionally .<app> (${CHANNEL.source})`,
      'pass a tier from the catalog and an app name from the recipe',
    );
  return `${prefix}/${channel}/ami`;
}

/** Labels may not start with a digit, `aws` or `ssm`; these prefixes keep them valid and greppable. */
export const verdictLabel = (digest: string) => `verdict-${digest}`;
export const revokedLabel = (version: number) => `revoked-v${version}`;
export const VERDICT_LABEL = /^verdict-([0-9a-f]{64})$/;

/** SSM keeps at most 100 versions and will not drop a labelled one. */
export const SSM_MAX_VERSIONS = 100;

/** Every stored version, oldest first; empty when the parameter does not exist yet. */
export async function history(ssm: SSMClient, name: string): Promise<ParameterHistory[]> {
  const out: ParameterHistory[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const page = await ssm.send(new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken }));
      out.push(...(page.Parameters ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (e) {
    if (e instanceof ParameterNotFound || (e as Error).name === 'ParameterNotFound') return [];
    throw e;
  }
  return out.sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0));
}

export const latest = (h: ParameterHistory[]) => h.at(-1);
