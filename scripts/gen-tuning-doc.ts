/** Writes docs/tuning.md from the tuning engine. */
import { writeFileSync } from 'node:fs';
import { tuningDoc } from './tuning-doc.ts';

writeFileSync(new URL('../docs/tuning.md', import.meta.url), tuningDoc());
