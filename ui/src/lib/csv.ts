// The week's statistics as one tidy CSV table a spreadsheet can pivot: a column per dimension
// (week, metric, client, channel, category, app, day, hour) and one value per row; a dimension
// that does not apply to a row is empty. Both weeks are in it, told apart by `week`.
import type { StatsView } from './api/types';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * One CSV cell. A text starting with `=`, `+`, `-`, `@` (or a tab or carriage return) would be
 * run as a formula by a spreadsheet: client and app names come from outside, so such a cell is
 * prefixed with `'`, which spreadsheets show as text. Numbers are left as they are.
 */
export function cell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['week', 'metric', 'client', 'channel', 'category', 'app', 'day', 'hour', 'value'] as const;
type Dims = Partial<Record<'client' | 'channel' | 'category' | 'app' | 'day' | 'hour', string | number>>;
type Figures = Omit<StatsView, 'tz' | 'previous' | 'compared_until' | 'trends' | 'suggestions' | 'told' | 'clocks'>;

function figureRows(s: Figures, add: (metric: string, value: number, dims?: Dims) => void) {
  add('messages', s.messages);
  for (const [k, v] of Object.entries(s.interruptions)) add(`interruptions_${k}`, v);
  for (const [k, v] of Object.entries(s.decisions)) add(`decisions_${k}`, v);
  for (const [metric, value] of [
    ['context_switches', s.context_switches],
    ['after_hours', s.after_hours],
    ['checks', s.checks],
    ['checks_during_focus', s.checks_during_focus],
    ['bypasses_used', s.bypasses_used],
    ['ratings_contained', s.ratings_contained],
    ['focus_minutes', s.focus_minutes],
    ['longest_stretch_minutes', s.longest_stretch?.minutes ?? 0],
  ] as const)
    add(metric, value);
  for (const c of s.by_client) add('messages', c.count, { client: c.name });
  for (const c of s.by_channel) add('messages', c.count, { channel: c.name });
  for (const c of s.by_category) add('messages', c.count, { category: c.name });
  for (const c of s.by_app) add('messages', c.count, { app: c.name });
  s.by_day.forEach((n, i) => add('messages', n, { day: DAYS[i] }));
  for (const series of s.by_client_day) series.days.forEach((n, i) => add('messages', n, { client: series.name, day: DAYS[i] }));
  s.by_weekday_hour.forEach((row, d) => row.forEach((n, h) => n && add('messages', n, { day: DAYS[d], hour: h })));
  for (const series of s.interruptions_by_client_day) series.days.forEach((n, i) => add('interruptions', n, { client: series.name, day: DAYS[i] }));
  for (const c of s.after_hours_by_client) add('after_hours', c.count, { client: c.name });
  for (const c of s.bypasses_by_client) add('bypasses_used', c.count, { client: c.name });
}

export function statsCsv(s: StatsView): string {
  const rows: (string | number)[][] = [[...CSV_COLUMNS]];
  for (const figures of [s, s.previous]) {
    figureRows(figures, (metric, value, dims = {}) =>
      rows.push([figures.week, metric, dims.client ?? '', dims.channel ?? '', dims.category ?? '', dims.app ?? '', dims.day ?? '', dims.hour ?? '', value]),
    );
  }
  // Availability replies and response clocks are counted for the week shown only.
  rows.push([s.week, 'clients_told', '', '', '', '', '', '', s.told.clients], [s.week, 'availability_replies', '', '', '', '', '', '', s.told.replies]);
  for (const state of ['kept', 'missed', 'running'] as const) rows.push([s.week, `response_clocks_${state}`, '', '', '', '', '', '', s.clocks[state]]);
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
