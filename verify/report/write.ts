/** Writes verdict.json, report.html and junit.xml into a directory, each atomically (temp file + rename). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../verdict.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';

export interface ReportFiles { verdict: string; html: string; junit: string }

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeReport(v: Verdict, dir: string): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const files = { verdict: join(dir, 'verdict.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml') };
  writeAtomic(files.verdict, `${JSON.stringify(v, null, 2)}\n`);
  writeAtomic(files.html, renderHtml(v));
  writeAtomic(files.junit, renderJunit(v));
  return files;
}
