/**
 * Value types for the quantities twin reads from users: memory sizes, CPU,
 * durations, data rates, power and clock frequencies. Each parser accepts the
 * notation users already know (Kubernetes quantities, `40s`, `253Mbit/s`) and
 * rejects nonsense with a message that says what would have been accepted.
 *
 * Internally twin keeps one unit per dimension: bytes, millicores, seconds,
 * bytes per second, watts and hertz.
 */

/** Thrown by the parsers; callers attach the file and field. */
export class UnitError extends Error {
  override readonly name = 'UnitError';
}

const binarySuffixes: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};
const decimalSuffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  m: 1e-3,
};

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P|m)?$/;

/**
 * Parses a Kubernetes resource quantity (`512Mi`, `1G`, `100m`, `2`) into a plain number
 * in the base unit (bytes for memory, cores for CPU).
 */
export function parseQuantity(input: string | number, what = 'quantity'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new UnitError(`${what} must be a finite number`);
    return input;
  }
  const match = quantityPattern.exec(input.trim());
  if (!match) {
    throw new UnitError(`"${input}" is not a valid ${what}; write e.g. 512Mi, 1Gi, 500m or 2`);
  }
  const [, digits, suffix = ''] = match;
  const factor = binarySuffixes[suffix] ?? decimalSuffixes[suffix] ?? 1;
  return Number(digits) * factor;
}

/** Memory or disk size in bytes. Accepts Kubernetes quantities and also `1GB`/`512MB`/`1GiB` as written on spec sheets. */
export function parseBytes(input: string | number): number {
  const text = typeof input === 'string' ? input.trim().replace(/(Ki|Mi|Gi|Ti|K|M|G|T)i?B$/, (m) => m.replace(/B$/, '')) : input;
  const bytes = parseQuantity(text, 'size');
  if (bytes < 0) throw new UnitError(`size must not be negative (got ${String(input)})`);
  return bytes;
}

/** CPU in millicores: `500m` → 500, `2` → 2000, `0.25` → 250. */
export function parseMillicores(input: string | number): number {
  const cores = parseQuantity(input, 'CPU quantity');
  if (cores < 0) throw new UnitError(`CPU must not be negative (got ${String(input)})`);
  return Math.round(cores * 1000);
}

const durationUnits: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Duration in seconds: `40s`, `5m`, `1h30m`, `250ms`, or a plain number of seconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError(`duration must be a non-negative number of seconds (got ${input})`);
    return input;
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(durationPart)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (durationUnits[match[2] ?? 's'] ?? 1);
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new UnitError(`"${input}" is not a valid duration; write e.g. 40s, 5m, 1h30m or 250ms`);
  }
  return total;
}

const ratePattern = /^(\d+(?:\.\d+)?)\s*(k|K|M|G)?(bit|b|B|Bytes?)\/s$/;
const rateUnitFactor: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/** Data rate in bytes per second: `253Mbit/s`, `939Mb/s` (bits), `43MB/s` (bytes). */
export function parseRate(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError(`rate must be a non-negative number of bytes per second`);
    return input;
  }
  const match = ratePattern.exec(input.trim());
  if (!match) throw new UnitError(`"${input}" is not a valid rate; write e.g. 253Mbit/s or 43MB/s`);
  const [, digits, prefix = '', unit = 'B'] = match;
  const perSecond = Number(digits) * (rateUnitFactor[prefix] ?? 1);
  const isBits = unit === 'bit' || unit === 'b';
  return isBits ? perSecond / 8 : perSecond;
}

/** Power in watts: `3.1W`, `500mW`, or a plain number of watts. */
export function parseWatts(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError('power must be a non-negative number of watts');
    return input;
  }
  const match = /^(\d+(?:\.\d+)?)\s*(m|k)?W$/.exec(input.trim());
  if (!match) throw new UnitError(`"${input}" is not a valid power; write e.g. 3.1W`);
  const factor = match[2] === 'm' ? 1e-3 : match[2] === 'k' ? 1e3 : 1;
  return Number(match[1]) * factor;
}

/** Clock frequency in hertz: `1.4GHz`, `900MHz`. */
export function parseHertz(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input <= 0) throw new UnitError('frequency must be a positive number of hertz');
    return input;
  }
  const match = /^(\d+(?:\.\d+)?)\s*(k|M|G)?Hz$/.exec(input.trim());
  if (!match) throw new UnitError(`"${input}" is not a valid frequency; write e.g. 1.5GHz or 900MHz`);
  return Number(match[1]) * (rateUnitFactor[match[2] ?? ''] ?? 1);
}

/** `1073741824` → `1Gi`, for tables and messages. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ];
  for (const [suffix, size] of units) {
    if (Math.abs(bytes) >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${suffix}`;
    }
  }
  return `${bytes}`;
}

/** `1500` → `1500m`, `2000` → `2`. */
export function formatMillicores(millicores: number): string {
  return millicores % 1000 === 0 ? `${millicores / 1000}` : `${millicores}m`;
}

/** `31.625e6` bytes/s → `253Mbit/s`. */
export function formatBitRate(bytesPerSecond: number): string {
  const megabits = (bytesPerSecond * 8) / 1e6;
  return megabits >= 1000 ? `${(megabits / 1000).toFixed(2)}Gbit/s` : `${Number(megabits.toFixed(1))}Mbit/s`;
}

/** `43e6` bytes/s → `43MB/s`. */
export function formatByteRate(bytesPerSecond: number): string {
  return `${Number((bytesPerSecond / 1e6).toFixed(1))}MB/s`;
}

/** Seconds → `5m30s`, `40s`, `1h2m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1 && seconds > 0) return `${Math.round(seconds * 1000)}ms`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  const parts: string[] = [];
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (secs || parts.length === 0) parts.push(`${secs}s`);
  return parts.join('');
}
