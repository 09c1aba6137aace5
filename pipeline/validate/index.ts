/** Every validator kiln runs, by group. */
import { validators as cloudInit } from './cloud-init.ts';
import { validators as packer } from './packer.ts';
import { validators as services } from './services.ts';
import type { Validator } from './types.ts';

export const VALIDATORS: Validator[] = [...services, ...packer, ...cloudInit];
