/** Validators of the service configs: each runs the production program over the rendered files (see services/). */
import { nginxValidator } from './services/nginx.ts';
import { pgbouncerValidator } from './services/pgbouncer.ts';
import { postgresValidator } from './services/postgres.ts';
import { sshdValidator } from './services/sshd.ts';
import type { Validator } from './types.ts';

export const validators: Validator[] = [nginxValidator, postgresValidator, pgbouncerValidator, sshdValidator];
