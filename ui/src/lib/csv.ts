// The week's statistics as CSV: one table per figure, `section,key,value` rows, so a
// spreadsheet can pivot them.
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

export function statsCsv(s: StatsView): string {
  const rows: (string | number)[][] = [['section', 'key', 'value']];
  const add = (section: string, key: string, value: number) => rows.push([section, key, value]);
  add('week', s.week, s.messages);
  add('interruptions', 'total', s.interruptions.total);
  add('interruptions', 'live', s.interruptions.live);
  add('interruptions', 'bypass', s.interruptions.bypass);
  add('interruptions', 'digest', s.interruptions.digest);
  add('interruptions', 'in_focus', s.interruptions.in_focus);
  add('decisions', 'live', s.decisions.live);
  add('decisions', 'held', s.decisions.held);
  add('decisions', 'bypass', s.decisions.bypass);
  add('decisions', 'muted', s.decisions.muted);
  for (const [key, value] of [
    ['context_switches', s.context_switches],
    ['after_hours', s.after_hours],
    ['checks', s.checks],
    ['checks_during_focus', s.checks_during_focus],
    ['bypasses_used', s.bypasses_used],
    ['ratings_contained', s.ratings_contained],
    ['focus_minutes', s.focus_minutes],
    ['longest_stretch_minutes', s.longest_stretch?.minutes ?? 0],
  ] as const)
    add('figures', key, value);
  for (const c of s.by_client) add('messages_by_client', c.name, c.count);
  for (const c of s.by_channel) add('messages_by_channel', c.name, c.count);
  for (const c of s.by_category) add('messages_by_category', c.name, c.count);
  s.by_day.forEach((n, i) => add('messages_by_day', DAYS[i] ?? String(i), n));
  for (const series of s.interruptions_by_client_day) series.days.forEach((n, i) => add('interruptions_by_day', `${series.name} ${DAYS[i]}`, n));
  for (const c of s.after_hours_by_client) add('after_hours_by_client', c.name, c.count);
  for (const trend of s.trends) add('previous_week', trend.metric, trend.previous_week);
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
