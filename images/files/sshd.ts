/** sshd drop-in: being written (owner: see the commit that fills this in). */
import type { FileSpec } from '../render-types.ts';

export const sshdFiles: FileSpec[] = [];
