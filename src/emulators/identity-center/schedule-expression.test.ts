// Schedule expressions: what parses, and when an at() in a time zone is due.

import { describe, expect, it } from 'vitest';
import {
  isTimeZone,
  parseScheduleExpression,
  wallClockToUtc,
  type WallClock,
} from './schedule-expression.js';

function wall(text: string): WallClock {
  const parsed = parseScheduleExpression(`at(${text})`);
  if (!parsed.ok || parsed.value.kind !== 'at') throw new Error(`not an at(): ${text}`);
  return parsed.value.wallClock;
}

function utc(text: string, zone: string): string {
  return new Date(wallClockToUtc(wall(text), zone)).toISOString();
}

describe('parseScheduleExpression', () => {
  it('reads at(), rate() and cron() and says what is wrong with anything else', () => {
    expect(parseScheduleExpression('at(2025-06-01T10:00:00)')).toEqual({
      ok: true,
      value: {
        kind: 'at',
        wallClock: { year: 2025, month: 6, day: 1, hour: 10, minute: 0, second: 0 },
      },
    });
    expect(parseScheduleExpression('rate(5 minutes)')).toEqual({
      ok: true,
      value: { kind: 'rate' },
    });
    expect(parseScheduleExpression('cron(0 10 * * ? *)')).toEqual({
      ok: true,
      value: { kind: 'cron' },
    });
    for (const bad of [
      'at(2025-06-01T10:00)',
      'at(2025-06-01T10:00:00Z)',
      'at(2025-02-29T10:00:00)',
      'at(2025-06-01T24:00:00)',
      'rate(0 minutes)',
      'rate(5 weeks)',
      'cron(0 10 * * ?)',
      'tomorrow',
    ]) {
      expect(parseScheduleExpression(bad).ok, bad).toBe(false);
    }
  });
});

describe('wallClockToUtc', () => {
  it('takes the wall clock as UTC by default and applies a zone’s offset of the day', () => {
    expect(utc('2025-06-01T10:00:00', 'UTC')).toBe('2025-06-01T10:00:00.000Z');
    expect(utc('2025-06-01T12:00:00', 'Europe/Berlin')).toBe('2025-06-01T10:00:00.000Z');
    expect(utc('2025-01-15T12:00:00', 'Europe/Berlin')).toBe('2025-01-15T11:00:00.000Z');
    expect(utc('2025-06-01T06:00:00', 'America/New_York')).toBe('2025-06-01T10:00:00.000Z');
    expect(utc('2025-06-01T19:30:00', 'Asia/Kolkata')).toBe('2025-06-01T14:00:00.000Z');
  });

  it('takes the first occurrence of a time the autumn change shows twice', () => {
    expect(utc('2025-11-02T01:30:00', 'America/New_York')).toBe('2025-11-02T05:30:00.000Z');
    expect(utc('2025-10-26T02:30:00', 'Europe/Berlin')).toBe('2025-10-26T00:30:00.000Z');
  });

  it('moves a time the spring change skips to after the gap, never before it', () => {
    expect(utc('2025-03-09T02:30:00', 'America/New_York')).toBe('2025-03-09T07:30:00.000Z');
    expect(utc('2025-03-30T02:30:00', 'Europe/Berlin')).toBe('2025-03-30T01:30:00.000Z');
  });
});

describe('isTimeZone', () => {
  it('accepts IANA names and refuses offsets and unknown names', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) {
      expect(isTimeZone(zone), zone).toBe(true);
    }
    for (const zone of ['+01:00', 'Mars/Olympus', '', 'Europe/']) {
      expect(isTimeZone(zone), zone).toBe(false);
    }
  });
});
