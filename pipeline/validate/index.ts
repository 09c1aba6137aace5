/** Every validator kiln runs: the service configs' (each runs the production program, see services/), then Packer's and cloud-init's. */
import { validators as cloudInit } from './cloud-init.ts';
import { validators as packer } from './packer.ts';
import { appValidator } from './services/app.ts';
import { gunicornValidator } from './services/gunicorn.ts';
import { nginxValidator } from './services/nginx.ts';
import { pgbouncerValidator } from './services/pgbouncer.ts';
import { postgresValidator } from './services/postgres.ts';
import { redisValidator } from './services/redis.ts';
import { sshdValidator } from './services/sshd.ts';
import { sysctlValidator } from './services/sysctl.ts';
import { systemdValidator } from './services/systemd.ts';
import type { Validator } from './types.ts';

export const SERVICE_VALIDATORS: Validator[] = [
  nginxValidator,
  postgresValidator,
  pgbouncerValidator,
  redisValidator,
  gunicornValidator,
  appValidator,
  sshdValidator,
  systemdValidator,
  sysctlValidator,
];

export const VALIDATORS: Validator[] = [...SERVICE_VALIDATORS, ...packer, ...cloudInit];
