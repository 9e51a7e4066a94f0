import { ConfigError } from '../errors.js';

/** `host=value,…` (one string, or repeated flags) as a map; an item without `=` is refused with the flag's name. */
export function pairs(list: readonly string[] | string | undefined, option: string): Record<string, string> {
  const items = typeof list === 'string' ? list.split(',') : (list ?? []);
  const out: Record<string, string> = {};
  for (const item of items.map((i) => i.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw ConfigError.single(option, '', `"${item}" is not NAME=VALUE`, `write ${option} host=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
