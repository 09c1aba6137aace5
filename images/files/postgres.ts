/** postgres files: being written (owner: see the commit that fills this in). */
import type { FileSpec } from '../render-types.ts';

export const postgresFiles: FileSpec[] = [];
