import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  formatDuration,
  parseBytes,
  parseDuration,
  parseMillicores,
  parseRate,
  parseWatts,
  parseHertz,
  UnitError,
} from '../src/model/units.js';

describe('units', () => {
  it('parses Kubernetes memory quantities', () => {
    expect(parseBytes('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1Gi')).toBe(1024 ** 3);
    expect(parseBytes('1G')).toBe(1e9);
    expect(parseBytes('1GB')).toBe(1e9);
    expect(parseBytes('906Mi')).toBe(906 * 1024 ** 2);
    expect(parseBytes(2048)).toBe(2048);
  });

  it('rejects nonsense and negative sizes', () => {
    expect(() => parseBytes('lots')).toThrow(UnitError);
    expect(() => parseBytes('-1Gi')).toThrow(/negative/);
    expect(() => parseBytes('1Zi')).toThrow(/not a valid size/);
  });

  it('parses CPU as millicores', () => {
    expect(parseMillicores('500m')).toBe(500);
    expect(parseMillicores('2')).toBe(2000);
    expect(parseMillicores(0.25)).toBe(250);
  });

  it('parses durations', () => {
    expect(parseDuration('40s')).toBe(40);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('250ms')).toBe(0.25);
    expect(parseDuration('12')).toBe(12);
    expect(() => parseDuration('5 minutes')).toThrow(/not a valid duration/);
    expect(() => parseDuration('5m garbage')).toThrow(UnitError);
  });

  it('parses rates in bits and bytes', () => {
    expect(parseRate('253Mbit/s')).toBeCloseTo(253e6 / 8);
    expect(parseRate('43MB/s')).toBe(43e6);
    expect(() => parseRate('fast')).toThrow(UnitError);
  });

  it('parses power and frequency', () => {
    expect(parseWatts('3.1W')).toBe(3.1);
    expect(parseWatts('500mW')).toBe(0.5);
    expect(parseHertz('1.4GHz')).toBe(1.4e9);
    expect(parseHertz('900MHz')).toBe(9e8);
  });

  test.prop([fc.integer({ min: 0, max: 10 * 86400 })])('formatDuration round-trips whole seconds', (seconds) => {
    expect(parseDuration(formatDuration(seconds))).toBe(seconds);
  });
});
