// The "why" of a decision in the UI's language, built from the structured rule the engine
// keeps with every decision (the engine's own sentence is English).
import type { Rule } from './api/types';
import { release, time } from './format';
import { i18n, t } from './i18n/index.svelte';

const DAY_TOKENS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * A weekly rule as written (`mon-fri 09:00-12:00`) with its days in the UI's language
 * (`lun-ven 09:00-12:00`); the written form stays what the engine and the command line read.
 */
export function localDays(rule: string): string {
  return rule.replace(/\b(mon|tue|wed|thu|fri|sat|sun)\b/g, (d) => t(`day.${d as (typeof DAY_TOKENS)[number]}`).replace(/\.$/, '').toLowerCase());
}

export function reason(rule: Rule, receivedAt: string, releaseAt: string | null, tz: string): string {
  const locale = i18n.locale;
  const until = releaseAt ? t('reason.until', { when: release(receivedAt, releaseAt, tz, locale) }) : t('reason.until_next');
  switch (rule.rule) {
    case 'newsletter':
      return t('reason.newsletter');
    case 'client_muted':
      return t('reason.client_muted', { client: rule.client });
    case 'rating':
      return t('reason.rating', { until });
    case 'never_interrupts':
      return t(rule.category === 'platform' ? 'reason.platform' : rule.category === 'social' ? 'reason.social' : 'reason.never', { until });
    case 'digest_only':
      return t('reason.digest_only', { client: rule.client, until });
    case 'live_window':
      return t(rule.window.endsWith('@client') ? 'reason.live_window_client' : 'reason.live_window', {
        client: rule.client,
        window: localDays(rule.window.replace(/@client$/, '')),
      });
    case 'manual_focus':
      return t('reason.manual_focus', { end: time(rule.until, tz, locale), until });
    case 'focus_block':
      return t('reason.focus_block', { block: localDays(rule.block), end: time(rule.until, tz, locale), until });
    case 'after_hours':
      return t('reason.after_hours', { until });
    case 'low_tier':
      return t('reason.low_tier', { client: rule.client, until });
    case 'open':
      return t('reason.open');
    case 'urgent':
      return t(rule.after_hours ? 'reason.urgent_after_hours' : 'reason.urgent', { client: rule.client, word: rule.word, used: rule.used, quota: rule.quota });
    case 'retry':
      return t(rule.after_hours ? 'reason.retry_after_hours' : 'reason.retry', {
        sender: rule.sender,
        count: rule.attempts.length,
        first: rule.attempts[0] ? time(rule.attempts[0], tz, locale) : '',
        used: rule.used,
        quota: rule.quota,
      });
    case 'quota_exhausted': {
      const why = rule.trigger.kind === 'word' ? t('reason.trigger_word', { word: rule.trigger.word }) : t('reason.trigger_retry', { count: rule.trigger.attempts });
      return `${t('reason.quota_exhausted', { why, client: rule.client, quota: rule.quota })} ${reason(rule.held_by, receivedAt, releaseAt, tz)}`;
    }
  }
}
