/** kiln's tuned values, as rendered into the image today (the bench applies them unchanged). */
import type { Variant } from './types.ts';

export const kiln: Variant = {
  name: 'kiln',
  summary: 'the tuned image as rendered (one memory budget for the whole box)',
  values: (_tier, tuned) => structuredClone(tuned),
  notes: {},
};
