/** Promotion channels: a tier's base image (stack + canary) under the tier's name, a team's app on it under `<tier>.<app>`. */
import type { Lineage } from '../verify/verdict.ts';

export const channelOf = (tier: string, app?: string | null): string => (app ? `${tier}.${app}` : tier);

/** The app layer's name in an image's lineage; null for a base image. */
export const appOfLineage = (lineage?: Lineage | null): string | null => lineage?.layers?.find((l) => l.kind === 'app')?.app?.name ?? null;
