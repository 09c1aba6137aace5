import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { tuningDoc } from './tuning-doc.ts';

it('docs/tuning.md is current (regenerate: npx tsx scripts/gen-tuning-doc.ts)', () => {
  expect(readFileSync(new URL('../docs/tuning.md', import.meta.url), 'utf8')).toBe(tuningDoc());
});
