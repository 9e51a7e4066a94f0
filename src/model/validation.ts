import { z } from 'zod';
import { parseAllDocuments, type Document } from 'yaml';
import { ConfigError, type InputProblem } from '../errors.js';
import { UnitError } from './units.js';
import { findExcessiveNesting, maxAliasCount, maxNestingDepth } from './yaml-limits.js';

/** `['spec', 'nodes', 2, 'profile']` → `spec.nodes[2].profile`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns every zod issue into an input problem with its field path and a fix. */
export function problemsFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): InputProblem[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return {
        field: formatPath([...path, keys[0] ?? '']),
        message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`,
        hint: 'remove it or check its spelling against the schema in schemas/',
      };
    }
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return {
        field: formatPath(path),
        message: issue.message,
        hint: `use one of: ${issue.values.map((v) => String(v)).join(', ')}`,
      };
    }
    return { field: formatPath(path), message: issue.message };
  });
}

/**
 * Validates `data` against `schema`; on failure throws a {@link ConfigError} naming the file and
 * every bad field (collected, not just the first).
 */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, file: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(file, problemsFromZod(result.error));
}

/** Wraps a unit parser for use in a zod schema, so bad units become field errors. */
export function unitSchema<T>(parse: (input: string | number) => T, example: string) {
  return z.union([z.string(), z.number()]).transform((input, ctx) => {
    try {
      return parse(input);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof UnitError ? error.message : `invalid value; write e.g. ${example}`,
      });
      return z.NEVER;
    }
  });
}

/** A parsed YAML document together with where it came from. */
export interface YamlDocument {
  readonly data: unknown;
  /** 0-based index in a multi-document file. */
  readonly index: number;
  readonly document: Document.Parsed;
}

/** The `{{ … }}` on a line of YAML, when a syntax error there comes from an unrendered chart. */
function helmTemplateOn(text: string, line: number): string | undefined {
  return /\{\{.*?\}\}/.exec(text.split('\n')[line - 1] ?? '')?.[0];
}

const limitHint = 'twin reads cluster, profile, inventory and Kubernetes files; none needs more';

/**
 * Parses one or more YAML documents; syntax errors name the file, line and column. Refuses
 * alias bombs and pathological nesting with a clear limit, quickly (see `yaml-limits.ts`).
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const excess = findExcessiveNesting(text);
  if (excess) {
    throw ConfigError.single(file, `line ${excess.line}`, `nesting deeper than ${maxNestingDepth} levels`, limitHint);
  }
  // logLevel 'error': the parser's warnings (an unquoted `{{ … }}` key…) are for twin to report, not for stderr.
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (!Array.isArray(documents)) {
    // An empty stream parses to an EmptyStream, which is not an array.
    return [];
  }
  const out: YamlDocument[] = [];
  for (const [index, document] of documents.entries()) {
    const [first] = document.errors;
    if (first) {
      const pos = first.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : `document ${index + 1}`;
      const message = (first.message.split('\n')[0] ?? 'syntax error').replace(/ at line \d+, column \d+:?$/, '');
      const helm = pos ? helmTemplateOn(text, pos.line) : undefined;
      if (helm)
        throw ConfigError.single(
          file,
          where,
          `"${helm}" is an unrendered Helm template expression`,
          'render the chart first: helm template RELEASE CHART -f values.yaml > manifests.yaml',
        );
      if (/call stack/i.test(message)) throw ConfigError.single(file, where, `nesting deeper than the YAML parser can follow`, limitHint);
      throw new ConfigError(file, [{ field: where, message: `YAML syntax error: ${message}`, hint: 'fix the YAML syntax' }]);
    }
    let data: unknown;
    try {
      data = document.toJS({ maxAliasCount });
    } catch (error) {
      if (error instanceof ReferenceError || error instanceof RangeError) {
        const what =
          error instanceof RangeError
            ? 'nesting deeper than the YAML parser can follow'
            : `aliases (*name) expand too many times (more than ${maxAliasCount}; an alias bomb?)`;
        throw ConfigError.single(file, `document ${index + 1}`, what, 'write the values out, or use fewer aliases');
      }
      throw error;
    }
    if (data === null || data === undefined) continue;
    out.push({ data, index, document });
  }
  return out;
}
