/** The user's recipe file (kiln.yaml, version 2): app, services, traffic and tags, read from YAML or JSON and validated. */
import { dirname, resolve } from 'node:path';
import { parseDocument, visit } from 'yaml';
import { InputError } from './errors.ts';
import { appFrom } from './recipe/app.ts';
import { servicesFrom } from './recipe/services.ts';
import { CONTROL, isMapping, mapping, refuseUnencodable, stringMap, text } from './recipe/strings.ts';
import { trafficFrom } from './recipe/traffic.ts';
import { WEB, type Recipe } from './web.ts';

export const RECIPE_VERSION = 2;
export const RECIPE_KEYS = ['$schema', 'version', 'app', 'services', 'traffic', 'tags'] as const;
// AWS tag rules; aws: and kiln: prefixes are reserved (kiln's own lineage tags use kiln:).
const TAG_KEY = /^(?!aws:|kiln:)[\p{L}\p{N} +\-=._:/@]{1,128}$/u;
// As many as the Packer vars accept (images/packer/vars.ts): AWS allows 50, kiln's lineage tags take the rest.
const MAX_TAGS = 40;
const MAX_TAG_VALUE_CHARS = 256;

function tagsFrom(v: unknown, where: string): Record<string, string> {
  return stringMap(
    v,
    where,
    MAX_TAGS,
    (k, field) => {
      if (!TAG_KEY.test(k))
        throw new InputError(
          field,
          k,
          'tag keys are 1-128 letters, digits, spaces and + - = . _ : / @, not starting with aws: or kiln:',
          'rename it',
        );
    },
    (val, field) => {
      if (val.length > MAX_TAG_VALUE_CHARS || CONTROL.test(val))
        throw new InputError(
          field,
          val,
          `must be at most ${MAX_TAG_VALUE_CHARS} characters with no control characters`,
          'shorten it or remove them',
        );
    },
  );
}

/**
 * Validates a parsed recipe document (see docs/recipe.md). Relative paths (app.source, app.requirements) resolve
 * against `baseDir`; nothing is read from disk here.
 */
export function recipeFrom(raw: unknown, where = 'recipe', baseDir: string = process.cwd()): Recipe {
  if (!isMapping(raw))
    throw new InputError(where, raw ?? null, 'must be a mapping with app, services, traffic and/or tags', 'see docs/recipe.md');
  refuseUnencodable(raw, where);
  const doc = mapping(raw, where, RECIPE_KEYS, '{ app: { ... } }');
  // Editors read "$schema" to find docs/kiln.schema.json; kiln only checks it is a plain string.
  if (doc.$schema !== undefined) text(doc.$schema, `${where}.$schema`, 'a URL or path of the JSON Schema, for editors', 2048);
  if (doc.version !== undefined && doc.version !== RECIPE_VERSION) {
    throw new InputError(
      `${where}.version`,
      doc.version,
      `this kiln reads recipe version ${RECIPE_VERSION}`,
      `write version: ${RECIPE_VERSION}, or remove it`,
    );
  }
  const hasSource = isMapping(doc.app) && doc.app.source !== undefined;
  const services = servicesFrom(doc.services, `${where}.services`, !hasSource);
  return {
    ...WEB,
    services,
    app: appFrom(doc.app, `${where}.app`, services, baseDir),
    traffic: trafficFrom(doc.traffic, `${where}.traffic`),
    tags: tagsFrom(doc.tags, `${where}.tags`),
  };
}

// YAML 1.1, so an unquoted no/on/date is caught as a non-string rather than read as the string meant;
// a warning (an unknown !tag) is refused too, instead of landing on stderr as a multi-line notice.
function yamlDoc(text: string): unknown {
  const d = parseDocument(text, { version: '1.1', logLevel: 'silent' });
  const problem = d.errors[0] ?? d.warnings[0];
  if (problem) throw problem;
  // YAML 1.1's float pattern also matches a bare "." (NaN): `source: .` means this directory.
  visit(d, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && Number.isNaN(node.value) && node.source === '.') node.value = '.';
    },
  });
  return d.toJS();
}

/** A recipe file's text as a document: JSON when the name ends in .json, else YAML 1.1; not yet validated. */
export function recipeDocument(text: string, fileName: string): unknown {
  const json = /\.json$/i.test(fileName);
  try {
    return json ? JSON.parse(text) : yamlDoc(text);
  } catch (e) {
    throw new InputError(
      '--recipe',
      fileName,
      `is not valid ${json ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]})`,
      'fix the file syntax',
    );
  }
}

/** Reads and validates a recipe file's text; paths in it are relative to the file's directory. */
export const parseRecipe = (text: string, fileName: string): Recipe =>
  recipeFrom(recipeDocument(text, fileName), 'recipe', dirname(resolve(fileName)));
