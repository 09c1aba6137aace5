/** Writes verdict.json, report.html and junit.xml into a directory, each atomically (temp file + rename). */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fsutil.ts';
import type { Verdict } from '../verdict.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';

export interface ReportFiles {
  verdict: string;
  html: string;
  junit: string;
}

export async function writeReport(v: Verdict, dir: string): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files = { verdict: join(dir, 'verdict.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml') };
  await writeFileAtomic(files.verdict, `${JSON.stringify(v, null, 2)}\n`);
  await writeFileAtomic(files.html, renderHtml(v));
  await writeFileAtomic(files.junit, renderJunit(v));
  return files;
}
