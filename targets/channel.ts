/** Promotion channels: a tier's base image (stack + canary) under the tier's name, a team's app on it under `<tier>.<app>`. */
import { isCanary, type Recipe } from '../images/web.ts';
import type { Lineage } from '../model/lineage.ts';

export const channelOf = (tier: string, app?: string | null): string => (app ? `${tier}.${app}` : tier);

/** A channel name: a tier's (images/catalog.ts), optionally `.` and an app's (images/recipe/app.ts); safe in SSM parameter names. */
export const CHANNEL = /^[a-z0-9][a-z0-9-]{0,30}(\.[a-z][a-z0-9_]{0,30})?$/;

/** The app layer's name in an image's lineage; null for a base image. */
export const appOfLineage = (lineage?: Lineage | null): string | null => lineage?.layers?.find((l) => l.kind === 'app')?.app?.name ?? null;

/** A recipe's channel on a tier: its app's releases when it names an app source, else the tier's base image (the canary). */
export const channelOfRecipe = (tier: string, recipe: Recipe): string => channelOf(tier, isCanary(recipe) ? null : recipe.app.name);
