import { z } from 'zod';
import { parseAllDocuments, type Document } from 'yaml';
import { ConfigError, type InputProblem } from '../errors.js';
import { UnitError } from './units.js';

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

/** Parses one or more YAML documents; syntax errors name the file, line and column. */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
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
      throw new ConfigError(file, [{ field: where, message: `YAML syntax error: ${message}`, hint: 'fix the YAML syntax' }]);
    }
    const data: unknown = document.toJS({ maxAliasCount: 1000 });
    if (data === null || data === undefined) continue;
    out.push({ data, index, document });
  }
  return out;
}
