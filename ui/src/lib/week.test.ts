import { describe, expect, it } from 'vitest';
import { formatDays, gridFromRanges, isoWeek, rangesFromGrid, shiftWeek } from './week';

describe('week grid', () => {
  it('round-trips the default schedule', () => {
    const ranges = ['mon-fri 09:00-12:00', 'mon-fri 14:00-17:00'];
    expect(rangesFromGrid(gridFromRanges(ranges))).toEqual(ranges);
  });

  it('groups identical days and keeps the others apart', () => {
    const grid = gridFromRanges(['mon,wed,fri 09:00-11:30', 'tue 13:00-24:00']);
    expect(rangesFromGrid(grid)).toEqual(['mon,wed,fri 09:00-11:30', 'tue 13:00-24:00']);
  });

  it('spreads a range across midnight onto the next day', () => {
    const grid = gridFromRanges(['fri 22:00-02:00']);
    expect(grid[4]![44]).toBe(true);
    expect(grid[5]![3]).toBe(true);
    expect(grid[5]![4]).toBe(false);
    expect(rangesFromGrid(grid)).toEqual(['sat 00:00-02:00', 'fri 22:00-24:00']);
  });

  it('writes days the way the engine reads them', () => {
    expect(formatDays([0, 1, 2, 3, 4])).toBe('mon-fri');
    expect(formatDays([1, 3])).toBe('tue,thu');
    expect(formatDays([0, 1, 2, 4])).toBe('mon-wed,fri');
    expect(formatDays([0, 1, 2, 3, 4, 5, 6])).toBe('daily');
  });
});

describe('ISO weeks', () => {
  it('numbers weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek(new Date('2026-11-26T00:00:00Z'))).toBe('2026-W48');
    expect(isoWeek(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2027-01-04T00:00:00Z'))).toBe('2027-W01');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
  });

  it('moves by weeks from a Monday', () => {
    const monday = new Date('2026-12-28T00:00:00Z');
    expect(shiftWeek(monday, 0)).toBe('2026-W53');
    expect(shiftWeek(monday, 1)).toBe('2027-W01');
    expect(shiftWeek(monday, -1)).toBe('2026-W52');
  });
});
