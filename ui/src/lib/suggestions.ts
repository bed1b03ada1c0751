// The weekly statistics' suggestions and compared figures in the UI's language, from the codes
// the engine sends (the same keys the `lull` command words them from).
import type { Suggestion, SuggestionView, TrendMetric } from './api/types';
import { has, t, type Key } from './i18n/index.svelte';

/** A suggestion, worded; a code this UI does not know (a newer engine) keeps the engine's English. */
export function suggestion(s: Suggestion | SuggestionView): string {
  const p = s.params;
  if (s.code === 'after_hours') {
    // Without an offset the client is unknown (their time zone with it).
    if (p.offset === undefined) return t('suggest.after_hours', p);
    const offset = Number(p.offset);
    const key: Key = offset === 0 ? 'suggest.after_hours_same_zone' : offset > 0 ? 'suggest.after_hours_ahead' : 'suggest.after_hours_behind';
    return t(key, { ...p, hours: String(Math.abs(offset)) });
  }
  const key = `suggest.${s.code}`;
  if (has(key)) return t(key, p);
  return 'text' in s ? s.text : key;
}

/** A compared figure's name: `Interruptions during focus`. */
export function trend(metric: TrendMetric): string {
  const key = `trend.${metric}`;
  return has(key) ? t(key) : metric;
}
