/** `kiln tiers [--json]`: the catalog. */
import { loadCatalog, parse, type Options } from './args.ts';

export const help = `kiln tiers [--json] [--catalog FILE]   list hardware tiers and their SLOs
  Exit codes: 0 listed, 2 bad input (a flag, an unreadable or invalid catalog).`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tiers = loadCatalog(v.catalog as string | undefined);
  if (v.json) {
    process.stdout.write(`${JSON.stringify(tiers, null, 2)}\n`);
    return 0;
  }
  const rows = tiers.map((t) => [
    t.name,
    `${t.ramMiB} MiB`,
    `${t.vcpus} vCPU`,
    [...t.instanceTypes.x86_64, ...t.instanceTypes.arm64].join(','),
    `p95<${t.slo.p95Ms}ms p99<${t.slo.p99Ms}ms @${t.slo.targetRps} rps, mem<${t.slo.memoryCeilingPct}%`,
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}
