/** A validator runs a real production program over rendered files and reports what it said. */
import type { Rendered } from '../../images/render.ts';
import type { Role } from '../../images/render-types.ts';
import type { VersionedProgram } from './version-gap.ts';

export interface Finding {
  tool: string;
  /** Rendered path the tool read (or '*' for the whole bundle). */
  file: string;
  ok: boolean;
  /** The tool's own output, trimmed (the evidence). */
  output: string;
  /** What this run could not check (the host's program is another version than the image's): said, never skipped silently. */
  note?: string;
}

export interface ValidateContext {
  /** The written bundle (see write-bundle.ts): image files under rootfs/, bundle files as they are. */
  dir: string;
  rendered: Rendered;
  /** A scratch dir this validator may use; removed afterwards. */
  scratch: string;
}

export interface Validator {
  name: string;
  /** Roles whose files it reads: it runs only when the render has one. */
  roles: Role[];
  /** Programs it needs on PATH (or absolute paths); missing ones are a failure, never a skip. */
  needs: string[];
  /** The program whose host release may differ from the image's (its findings then say what is not checked). */
  versioned?: VersionedProgram;
  run: (ctx: ValidateContext) => Promise<Finding[]>;
}
