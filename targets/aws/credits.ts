/** CPU credit mode of a tier's instances, stated: t3/t3a launch "unlimited" by default, which is not the burstable baseline the tier is tuned and proven at. */
import type { Tier } from '../../images/tiers.ts';

export const cpuCreditsOf = (tier: Tier): { cpuCredits?: 'standard' } =>
  tier.burstBaselineShare !== undefined ? { cpuCredits: 'standard' } : {};
