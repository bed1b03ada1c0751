// The week grid's model: which half-hours of each weekday a set of ranges covers, and back
// to ranges the engine reads ("mon-fri 09:00-12:00"). Days are Monday first.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const SLOTS = 48; // half-hours in a day
export type Grid = boolean[][]; // [day][slot]

export function emptyGrid(): Grid {
  return DAYS.map(() => Array<boolean>(SLOTS).fill(false));
}

function parseDays(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const p = part.trim().toLowerCase();
    if (p === 'daily') DAYS.forEach((_, i) => out.add(i));
    else if (p === 'weekdays') [0, 1, 2, 3, 4].forEach((i) => out.add(i));
    else if (p === 'weekends') [5, 6].forEach((i) => out.add(i));
    else if (p.includes('-')) {
      const [a, b] = p.split('-').map((d) => DAYS.indexOf(d as (typeof DAYS)[number]));
      if (a === undefined || b === undefined || a < 0 || b < 0) continue;
      for (let i = a; ; i = (i + 1) % 7) {
        out.add(i);
        if (i === b) break;
      }
    } else {
      const i = DAYS.indexOf(p as (typeof DAYS)[number]);
      if (i >= 0) out.add(i);
    }
  }
  return [...out];
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Marks the half-hours covered by ranges such as `mon-fri 09:00-12:00` (or `22:00-02:00`). */
export function gridFromRanges(ranges: readonly string[]): Grid {
  const grid = emptyGrid();
  for (const range of ranges) {
    const m = /^(?:(.+)\s+)?(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(range.trim());
    if (!m) continue;
    const days = m[1] ? parseDays(m[1]) : [0, 1, 2, 3, 4, 5, 6];
    const start = Math.floor(minutes(m[2] ?? '0:00') / 30);
    let end = Math.ceil(minutes(m[3] ?? '0:00') / 30);
    if (end <= start) end += SLOTS; // crosses midnight
    for (const d of days) {
      for (let s = start; s < end; s++) {
        const day = (d + Math.floor(s / SLOTS)) % 7;
        grid[day]![s % SLOTS] = true;
      }
    }
  }
  return grid;
}

function hhmm(slot: number): string {
  const m = slot * 30;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** `mon-wed,fri`: runs of three or more consecutive days as ranges. */
export function formatDays(days: number[]): string {
  if (days.length === 7) return 'daily';
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const a = DAYS[sorted[i]!]!;
    const b = DAYS[sorted[j]!]!;
    parts.push(j - i >= 2 ? `${a}-${b}` : j === i ? a : `${a},${b}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The shortest list of ranges covering exactly the marked half-hours. */
export function rangesFromGrid(grid: Grid): string[] {
  const runs = new Map<string, number[]>();
  grid.forEach((slots, day) => {
    for (let s = 0; s < SLOTS; ) {
      if (!slots[s]) {
        s++;
        continue;
      }
      let e = s;
      while (e < SLOTS && slots[e]) e++;
      const key = `${hhmm(s)}-${e === SLOTS ? '24:00' : hhmm(e)}`;
      runs.set(key, [...(runs.get(key) ?? []), day]);
      s = e;
    }
  });
  return [...runs.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]) || (a[1][0] ?? 0) - (b[1][0] ?? 0))
    .map(([times, days]) => `${formatDays(days)} ${times}`);
}

/** The ISO week (`2026-W48`) of a calendar date, given as UTC midnight. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  // The Thursday of the same ISO week decides its year.
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = 1 + Math.floor((d.getTime() - yearStart.getTime()) / 86_400_000 / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The ISO week `delta` weeks from the one whose Monday is `monday`. */
export function shiftWeek(monday: Date, delta: number): string {
  const d = new Date(monday);
  d.setUTCDate(d.getUTCDate() + 7 * delta + 3);
  return isoWeek(d);
}
