/** Shared bits of the service validators: where the rendered files are, and how a finding is shaped. */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '../../../images/render-types.ts';
import type { Finding, ValidateContext } from '../types.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The host's venv (same pinned gunicorn and Django as the image's), mounted where the image has its venv. */
export const HOST_VENV = join(REPO_ROOT, '.venv');
export const IMAGE_VENV = '/opt/kiln/venv';

export const rootfsOf = (ctx: ValidateContext) => join(ctx.dir, 'rootfs');

/** Image paths of the rendered files of one role. */
export const pathsOf = (ctx: ValidateContext, role: Role) => ctx.rendered.files.filter((f) => f.role === role).map((f) => f.path);

export const finding = (tool: string, file: string, ok: boolean, output: string): Finding => ({ tool, file, ok, output: output.trim() });

/** A file the render must contain; a missing one is a failed finding, never a skip. */
export function requirePath(ctx: ValidateContext, tool: string, path: string): Finding | undefined {
  return ctx.rendered.files.some((f) => f.path === path) ? undefined : finding(tool, path, false, `${path} is not in the render`);
}

/** An overlay layer holding an empty /opt/kiln/venv, so the host venv can be bind-mounted there. */
export async function venvLayer(scratch: string): Promise<{ root: string; bind: [string, string] }> {
  const root = join(scratch, 'venv-layer');
  await mkdir(join(root, IMAGE_VENV), { recursive: true });
  return { root, bind: [HOST_VENV, IMAGE_VENV] };
}

/** Compares tuned values with what a program reports; returns one line per mismatch. */
export function mismatches(expected: Record<string, string>, actual: Map<string, string>): string[] {
  return Object.entries(expected).flatMap(([k, want]) => {
    const got = actual.get(k);
    return got === want
      ? []
      : [`${k}: rendered ${JSON.stringify(want)}, the program reports ${got === undefined ? 'nothing' : JSON.stringify(got)}`];
  });
}
