/**
 * CronJob schedules as the CronJob controller reads them: `cron.ParseStandard` of
 * github.com/robfig/cron/v3 (KK pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob),
 * five fields (minute hour day-of-month month day-of-week) with lists, ranges, steps and names
 * (`jan`…`dec`, `sun`…`sat`), `?` as `*`, and the descriptors `@yearly`/`@annually`, `@monthly`,
 * `@weekly`, `@daily`/`@midnight`, `@hourly` and `@every <duration>`. Times are evaluated in
 * `timeZone` (an IANA name; the zone's offsets come from the runtime's time-zone data).
 *
 * Pure arithmetic on seconds since the Unix epoch: no wall clock.
 */
import type { InputProblem } from '../errors.js';

/**
 * The wall-clock time of virtual t = 0 (the run's power-on) on the sim engine:
 * 2026-01-01T00:00:00Z, a Thursday. Fixed so a run is reproducible; `0 2 * * *` (UTC) first fires
 * 2 h after power-on. Documented in the README (CronJobs).
 */
export const simEpoch = 1767225600;

interface Field {
  readonly bits: ReadonlySet<number>;
  /** Written as `*` or `?` (robfig/cron starBit): day-of-month and day-of-week then combine with AND, otherwise OR. */
  readonly star: boolean;
}

export type CronSchedule =
  | {
      readonly kind: 'fields';
      readonly minute: Field;
      readonly hour: Field;
      readonly dom: Field;
      readonly month: Field;
      readonly dow: Field;
    }
  | { readonly kind: 'every'; readonly seconds: number };

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const descriptors: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function value(text: string, min: number, max: number, names: readonly string[] | null, field: string): number {
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (names === monthNames ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new Error(`${field}: "${text}" is not a number`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`${field}: ${n} is outside ${min}-${max}`);
  return n;
}

function parseField(text: string, min: number, max: number, names: readonly string[] | null, field: string): Field {
  const bits = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`${field}: "${part}" has more than one /`);
    const step = stepText === undefined ? 1 : value(stepText, 1, Number.MAX_SAFE_INTEGER, null, field);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      [low, high] = [min, max];
      // robfig/cron getRange: `*/n` with n > 1 is no longer a star.
      star = star || step === 1;
    } else {
      const [from = '', to] = range.split('-');
      low = value(from, min, max, names, field);
      high = to === undefined ? (stepText === undefined ? low : max) : value(to, min, max, names, field);
      if (high < low) throw new Error(`${field}: range ${range} ends before it starts`);
    }
    for (let n = low; n <= high; n += step) bits.add(n);
  }
  return { bits, star };
}

/** A Go duration as `@every` takes it (`1h30m`, `90s`), in whole seconds. */
function goDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') throw new Error(`@every: "${text}" is not a duration such as 1h30m`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** Parses a schedule; throws an Error saying what is wrong (the API server refuses such a CronJob). */
export function parseCronSchedule(text: string): CronSchedule {
  const trimmed = text.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) throw new Error('TZ and CRON_TZ are not allowed in schedule; use spec.timeZone');
  if (trimmed.startsWith('@every ')) {
    const seconds = goDuration(trimmed.slice('@every '.length).trim());
    if (seconds < 1) throw new Error('@every needs at least 1s');
    return { kind: 'every', seconds };
  }
  const expanded = trimmed.startsWith('@') ? descriptors[trimmed.toLowerCase()] : trimmed;
  if (expanded === undefined) throw new Error(`unknown descriptor ${trimmed} (use @yearly, @monthly, @weekly, @daily or @hourly)`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`);
  const [minute = '', hour = '', dom = '', month = '', dow = ''] = parts;
  return {
    kind: 'fields',
    minute: parseField(minute, 0, 59, null, 'minute'),
    hour: parseField(hour, 0, 23, null, 'hour'),
    dom: parseField(dom, 1, 31, null, 'day of month'),
    month: parseField(month, 1, 12, monthNames, 'month'),
    dow: parseField(dow, 0, 6, dayNames, 'day of week'),
  };
}

// ------------------------------------------------------------ calendar arithmetic

/** Days since 1970-01-01 → civil date (proleptic Gregorian). */
function civil(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether the runtime knows the IANA zone (the controller's time.LoadLocation). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    offsetSeconds(zone, 0);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `utc` (seconds since the epoch), in seconds. */
function offsetSeconds(zone: string, utc: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(utc * 1000)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const local =
    daysFromCivil(parts['year'] ?? 1970, parts['month'] ?? 1, parts['day'] ?? 1) * 86400 +
    (parts['hour'] ?? 0) * 3600 +
    (parts['minute'] ?? 0) * 60 +
    (parts['second'] ?? 0);
  return local - utc;
}

/**
 * The first schedule time strictly after `after` (seconds since the Unix epoch, UTC), as
 * robfig/cron's SpecSchedule.Next: the search runs on the zone's wall clock, field by field;
 * null when nothing matches within five years (`0 0 30 2 *`).
 */
export function nextScheduleTime(schedule: CronSchedule, after: number, zone = 'UTC'): number | null {
  if (schedule.kind === 'every') return Math.floor(after) + schedule.seconds;
  const offset = offsetSeconds(zone, after);
  // Local wall-clock seconds, rounded up to the next whole minute.
  let local = Math.floor((after + offset) / 60) * 60 + 60;
  const limit = local + 5 * 366 * 86400;
  while (local <= limit) {
    const days = Math.floor(local / 86400);
    const date = civil(days);
    if (!schedule.month.bits.has(date.month)) {
      local = (date.month === 12 ? daysFromCivil(date.year + 1, 1, 1) : daysFromCivil(date.year, date.month + 1, 1)) * 86400;
      continue;
    }
    const weekday = (((days + 4) % 7) + 7) % 7;
    const domMatch = schedule.dom.bits.has(date.day);
    const dowMatch = schedule.dow.bits.has(weekday);
    const dayMatch = schedule.dom.star || schedule.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
    if (!dayMatch) {
      local = (days + 1) * 86400;
      continue;
    }
    const secondOfDay = local - days * 86400;
    const hour = Math.floor(secondOfDay / 3600);
    if (!schedule.hour.bits.has(hour)) {
      local = days * 86400 + (hour + 1) * 3600;
      continue;
    }
    const minute = Math.floor((secondOfDay % 3600) / 60);
    if (!schedule.minute.bits.has(minute)) {
      local += 60;
      continue;
    }
    // Back to UTC with the offset in force then; a wall time that a DST change skips does not happen.
    const utc = local - offsetSeconds(zone, local - offset);
    if (utc > after && utc + offsetSeconds(zone, utc) === local) return utc;
    local += 60;
  }
  return null;
}

/** `2026-01-01T02:00:00Z` for seconds since the epoch. */
export function isoTime(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const { year, month, day } = civil(days);
  const rest = seconds - days * 86400;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)}T${pad(rest / 3600)}:${pad((rest % 3600) / 60)}:${pad(rest % 60)}Z`;
}

/** What the API server refuses in a CronJob's spec (KK pkg/apis/batch/validation validateCronJobSpec): schedule and timeZone. */
export function cronJobProblems(spec: Readonly<Record<string, unknown>>, at: (field: string) => string): InputProblem[] {
  const problems: InputProblem[] = [];
  const schedule = spec['schedule'];
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    problems.push({ field: at('spec.schedule'), message: 'missing schedule', hint: 'e.g. schedule: "0 2 * * *" (02:00 every day)' });
  } else {
    try {
      parseCronSchedule(schedule);
    } catch (error) {
      problems.push({
        field: at('spec.schedule'),
        message: `"${schedule}" is not a cron schedule: ${(error as Error).message}`,
        hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *", or @hourly, @daily, @weekly',
      });
    }
  }
  const zone = spec['timeZone'];
  if (zone !== undefined && (typeof zone !== 'string' || !isKnownTimeZone(zone)))
    problems.push({
      field: at('spec.timeZone'),
      message: `unknown time zone ${JSON.stringify(zone)}`,
      hint: 'an IANA name such as Etc/UTC or Europe/Berlin',
    });
  return problems;
}
