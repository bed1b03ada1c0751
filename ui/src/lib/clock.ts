// Platforms' response clocks in the UI's language, worded as the engine words them
// (`lull_words::clock`): how long a platform gives, and where a relayed message's clock stands.
import type { ClockState, ClockView } from './api/types';
import { release } from './format';
import { i18n, t } from './i18n/index.svelte';

/** `24 h`, `1 h 30`, `45 min`: rounded down, so "time left" never promises more. */
export function length(seconds: number): string {
  const minutes = Math.max(0, Math.floor(seconds / 60));
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  if (h === 0) return t('clock.span.minutes', { minutes: String(m) });
  if (m === 0) return t('clock.span.hours', { hours: String(h) });
  return t('clock.span.hours_minutes', { hours: String(h), minutes: String(m).padStart(2, '0') });
}

/** Where a clock stands at `now`: a running one whose time has passed is missed. */
export function clockState(clock: ClockView, now: string): ClockState {
  if (clock.state === 'running' && Date.parse(now) >= Date.parse(clock.reply_by)) return 'missed';
  return clock.state;
}

/** The inbox badge: `reply by 14:00`, `answered in time`, `time ran out`. */
export function clockBadge(clock: ClockView, from: string, now: string, tz: string): string {
  const state = clockState(clock, now);
  return t(`clock.badge.${state}`, { when: release(from, clock.reply_by, tz, i18n.locale) });
}

/** The detail's line: what the platform rates, and by when. */
export function clockLine(clock: ClockView, from: string, now: string, tz: string): string {
  const state = clockState(clock, now);
  const key = state === 'running' ? 'clock.reply_by' : state === 'kept' ? 'clock.kept' : 'clock.missed';
  return t(key, { when: release(from, clock.reply_by, tz, i18n.locale), platform: clock.platform, within: length(clock.within_secs) });
}
