/** Every file spec, in two phases: image files first, then the bundle files that carry the image hash. */
import type { FileSpec } from '../render-types.ts';
import { appFiles } from './app.ts';
import { cloudInitFiles } from './cloud-init.ts';
import { gunicornFiles } from './gunicorn.ts';
import { nginxFiles } from './nginx.ts';
import { packerFiles } from './packer.ts';
import { pgbouncerFiles } from './pgbouncer.ts';
import { postgresFiles } from './postgres.ts';
import { provisionFiles } from './provision.ts';
import { redisFiles } from './redis.ts';
import { sshdFiles } from './sshd.ts';
import { sysctlFiles } from './sysctl.ts';
import { systemdFiles } from './systemd.ts';

export const FILES: FileSpec[] = [
  ...nginxFiles,
  ...postgresFiles,
  ...pgbouncerFiles,
  ...redisFiles,
  ...gunicornFiles,
  ...systemdFiles,
  ...sysctlFiles,
  ...sshdFiles,
  ...appFiles,
  ...provisionFiles,
];

export const BUNDLE_FILES: FileSpec[] = [...packerFiles, ...cloudInitFiles];
