/** What a modern (Packer >= 1.10) template must contain; 1.6.6 cannot check it, so kiln reads its own model. */
import type { Attr, Block, HclFile, Item, Value } from './ast.ts';
import { AMAZON_PLUGIN } from './targets.ts';

const blocks = (items: Item[], type: string, label?: string): Block[] =>
  items.filter((i): i is Block => i.kind === 'block' && i.type === type && (label === undefined || i.labels[0] === label));
const attrOf = (items: Item[], name: string): Value | undefined =>
  items.find((i): i is Attr => i.kind === 'attr' && i.name === name)?.value;
const isStr = (v: Value | undefined, s: string) => v?.kind === 'str' && v.value === s;
const objStr = (v: Value | undefined, key: string, s: string) => v?.kind === 'obj' && v.entries.some(([k, x]) => k === key && isStr(x, s));

/** Returns what is missing (empty when the model is complete). */
export function modernRequirements(file: HclFile): string[] {
  const missing: string[] = [];
  const plugins = blocks(file.body, 'packer').flatMap((p) => blocks(p.body, 'required_plugins'));
  const amazon = plugins.map((p) => attrOf(p.body, 'amazon')).find(Boolean);
  if (!objStr(amazon, 'source', AMAZON_PLUGIN.source) || !objStr(amazon, 'version', AMAZON_PLUGIN.version)) {
    missing.push(`packer { required_plugins { amazon = { source = "${AMAZON_PLUGIN.source}", version = "${AMAZON_PLUGIN.version}" } } }`);
  }
  const sources = blocks(file.body, 'source', 'amazon-ebs');
  if (sources.length === 0) missing.push('source "amazon-ebs"');
  for (const src of sources) {
    if (!isStr(attrOf(src.body, 'imds_support'), 'v2.0')) missing.push('imds_support = "v2.0"');
    const meta = blocks(src.body, 'metadata_options')[0];
    if (!meta || !isStr(attrOf(meta.body, 'http_tokens'), 'required') || !isStr(attrOf(meta.body, 'http_endpoint'), 'enabled')) {
      missing.push('metadata_options { http_endpoint = "enabled", http_tokens = "required" }');
    }
    if (!attrOf(src.body, 'deprecate_at')) missing.push('deprecate_at');
  }
  return missing;
}
