/** The image recipe: which services the image runs and what the app costs. Tuning reads it; it holds no logic. */
export type ServiceName = 'nginx' | 'gunicorn' | 'pgbouncer' | 'postgres' | 'redis';

export interface AppProfile {
  /** Unix user, database and role name of the app. */
  name: string;
  /** Private memory of one warmed gunicorn worker (measured on the canary: 35 MiB private dirty, 52 MiB RSS). */
  workerPrivateMiB: number;
  /** Resident cost of each gthread beyond the first (stack pages actually touched, per-thread DB connection state). */
  threadMiB: number;
  /** Growth a worker may show before max_requests recycles it. */
  workerGrowthMiB: number;
  /** Master process plus the interpreter's shared file pages, charged once. */
  masterMiB: number;
  /** Longest a request may legitimately run. */
  requestTimeoutSec: number;
  /** Host names nginx answers for (default server when empty). */
  domains: string[];
  /** Non-secret environment for the app; secrets are fetched at boot, never set here. */
  env: Record<string, string>;
}

export interface Recipe {
  name: string;
  services: ServiceName[];
  app: AppProfile;
  /** User tags for the image and everything the bake creates (passed as data, never spliced into HCL). */
  tags: Record<string, string>;
}

export const WEB: Recipe = {
  name: 'web',
  services: ['nginx', 'gunicorn', 'pgbouncer', 'postgres', 'redis'],
  app: {
    name: 'canary',
    workerPrivateMiB: 36,
    threadMiB: 1,
    workerGrowthMiB: 8,
    masterMiB: 24,
    requestTimeoutSec: 30,
    domains: [],
    env: {},
  },
  tags: {},
};
