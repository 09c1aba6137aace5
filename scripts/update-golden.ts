/** Rewrites images/golden/ from the current render (review the diff before committing it). */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_DIR, goldenFiles } from '../images/golden.ts';

const root = fileURLToPath(GOLDEN_DIR);
rmSync(root, { recursive: true, force: true });
const files = goldenFiles();
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stderr.write(`golden: wrote ${files.size} files under images/golden/\n`);
