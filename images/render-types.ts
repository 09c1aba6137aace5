/** What a render produces: files by path, each with the role of the program that reads it. */
import type { DistroProfile } from './distro.ts';
import type { Tier } from './tiers.ts';
import type { Tuned } from './tuning/index.ts';
import type { Recipe, ServiceName } from './web.ts';

export const ROLES = [
  'nginx',
  'postgres',
  'pgbouncer',
  'redis',
  'gunicorn',
  'systemd',
  'sysctl',
  'sshd',
  'provision',
  'packer',
  'cloud-init',
  'app',
] as const;
export type Role = (typeof ROLES)[number];

export interface RenderedFile {
  /** Absolute path inside the image, or a bundle path under packer/, cloud-init/ or provision/. */
  path: string;
  role: Role;
  content: string;
  /** Octal file mode as a string, e.g. '0644'. */
  mode: string;
}

/** Everything a file spec may read. `s` are plain setting values, `r` their reasons, by `group.key`. */
export interface RenderContext {
  tier: Tier;
  recipe: Recipe;
  distro: DistroProfile;
  tuned: Tuned;
  s: Record<string, Record<string, number | string | boolean>>;
  r: Record<string, string>;
  /** Hash of the image files; set only for bundle files (Packer, user data), empty while image files render. */
  imageHash: string;
}

/** One generated file (or several) of one role. */
export interface FileSpec {
  role: Role;
  /** Rendered only when the recipe runs this service. */
  service?: ServiceName;
  render: (ctx: RenderContext) => Omit<RenderedFile, 'role'>[];
}
