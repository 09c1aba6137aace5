import type { Construct } from 'constructs';
import { LocalBackend, S3Backend } from 'cdktf';
import type { BackendData } from './data.ts';

/** Declares the state backend the caller chose; a stack without one writes an absolute path into its output. */
export function declareBackend(scope: Construct, b: BackendData): void {
  if (b.kind === 'local') new LocalBackend(scope, { path: b.path });
  else new S3Backend(scope, { bucket: b.bucket, key: b.key, region: b.region, dynamodbTable: b.dynamodbTable, encrypt: true });
}
