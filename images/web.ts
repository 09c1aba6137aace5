/** The image recipe: which services the image runs, which app it carries, what that app costs and what traffic it gets. Data only. */
export const SERVICE_NAMES = ['nginx', 'gunicorn', 'pgbouncer', 'postgres', 'redis'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where the app's code comes from. `canary` is kiln's own probe app, shipped with kiln. */
export type AppSource =
  | { kind: 'canary' }
  /** A Django project directory (manage.py at its root); absolute path on the machine that runs kiln. */
  | { kind: 'dir'; path: string }
  /** A wheel file; absolute path on the machine that runs kiln. */
  | { kind: 'wheel'; path: string };

export interface AppProfile {
  /** Unix user, database and role name of the app. */
  name: string;
  source: AppSource;
  /** A pip requirements file installed into the image's venv at bake (absolute path); null: the source's own, or none. */
  requirements: string | null;
  /** DJANGO_SETTINGS_MODULE. */
  settings: string;
  /** `module:callable` gunicorn serves. */
  wsgi: string;
  /** Readiness path: answers 2xx once the app is up. */
  healthPath: string;
  /** collectstatic at bake, nginx serves STATIC_ROOT at this URL prefix; null: no static files. */
  staticUrl: string | null;
  /** A manage.py command (argv) run once on candidate boxes before load; null: none. */
  seed: string[] | null;
  /** Private memory of one warmed gunicorn worker (measured on the canary: 35 MiB private dirty, 52 MiB RSS). */
  workerPrivateMiB: number;
  /** Resident cost of each gthread beyond the first (stack pages actually touched, per-thread DB connection state). */
  threadMiB: number;
  /** Growth a worker may show before max_requests recycles it. */
  workerGrowthMiB: number;
  /** Master process plus the interpreter's shared file pages, charged once. */
  masterMiB: number;
  /** Where the memory figures come from: kiln's assumption, the recipe, or a measurement on a booted box of the tier. */
  profileSource: 'assumed' | 'declared' | 'measured';
  /** Longest a request may legitimately run. */
  requestTimeoutSec: number;
  /** Host names nginx answers for (default server when empty). */
  domains: string[];
  /** Non-secret environment for the app; secrets are fetched at boot, never set here. */
  env: Record<string, string>;
  /** Names of secrets resolved at boot (SSM on aws, a local file or generated on local); never baked, never in user data. */
  secrets: string[];
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One weighted request of the app's traffic. */
export interface TrafficEndpoint {
  /** Label in reports (default: METHOD path). */
  name: string;
  method: HttpMethod;
  /** Absolute path with optional query, as sent on the request line. */
  path: string;
  /** Relative share of requests, > 0. */
  weight: number;
  body?: string;
  headers?: Record<string, string>;
  /** The status a correct answer has; any other counts as an error. */
  status: number;
  /** Per-endpoint latency limits, on top of the tier's SLO. */
  p95Ms?: number;
  p99Ms?: number;
}

export interface Traffic {
  /** Overrides the tier's target rate when set. */
  targetRps?: number;
  endpoints: TrafficEndpoint[];
}

export interface Recipe {
  name: string;
  services: ServiceName[];
  app: AppProfile;
  /** What verify, nightly, gate and bench send; null: the canary mix. */
  traffic: Traffic | null;
  /** User tags for the image and everything the bake creates (passed as data, never spliced into HCL). */
  tags: Record<string, string>;
}

/** The canary's own settings and the profile measured on it. */
export const CANARY_APP: AppProfile = {
  name: 'canary',
  source: { kind: 'canary' },
  requirements: null,
  settings: 'kiln_canary.settings',
  wsgi: 'kiln_canary.wsgi:application',
  healthPath: '/health',
  staticUrl: '/static/',
  seed: ['seed_canary'],
  workerPrivateMiB: 36,
  threadMiB: 1,
  workerGrowthMiB: 8,
  masterMiB: 24,
  profileSource: 'measured',
  requestTimeoutSec: 30,
  domains: [],
  env: {},
  secrets: [],
};

/** Memory assumed for a team's app until kiln measures it on a booted box: a mid-size Django project. */
export const ASSUMED_APP_MEMORY = { workerPrivateMiB: 80, threadMiB: 1, workerGrowthMiB: 16, masterMiB: 40 } as const;

export const WEB: Recipe = {
  name: 'web',
  services: [...SERVICE_NAMES],
  app: CANARY_APP,
  traffic: null,
  tags: {},
};

/** True when the recipe's app is kiln's canary (the base image), false for a team's app (a release image). */
export const isCanary = (r: Recipe): boolean => r.app.source.kind === 'canary';
