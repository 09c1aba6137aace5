/** The four bench configurations, in the round-robin order the bench runs them. */
import { kiln } from './kiln.ts';
import { rules } from './rules.ts';
import { seed } from './seed.ts';
import { stock } from './stock.ts';
import type { Variant } from './types.ts';

export const VARIANTS: readonly Variant[] = [kiln, seed, stock, rules];

export function findVariant(name: string): Variant | undefined {
  return VARIANTS.find((v) => v.name === name);
}
