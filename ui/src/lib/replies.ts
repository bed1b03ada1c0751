// Availability replies in the UI's language: why an email gets none (the engine's `NoReply`),
// and which address a client's preview is written from.
import type { NoReply } from './api/types';
import { dateTime } from './format';
import { i18n, t } from './i18n/index.svelte';

/** One line saying why no availability reply would be sent (as `lull explain` says it). */
export function noReply(why: NoReply, tz: string): string {
  switch (why.why) {
    case 'category':
      return t(`noreply.category.${why.category}`);
    case 'not_held':
      return t('noreply.not_held', { decision: why.decision });
    case 'auto_submitted':
      return t('noreply.auto_submitted', { value: why.value });
    case 'bulk':
      return t('noreply.bulk', { precedence: why.precedence });
    case 'no_reply_address':
    case 'not_addressed_to_you':
      return t(`noreply.${why.why}`, { address: why.address });
    case 'already_this_hold':
      return t('noreply.already_this_hold', { at: dateTime(why.at, tz, i18n.locale) });
    case 'already_recently':
      return t('noreply.already_recently', { at: dateTime(why.at, tz, i18n.locale), hours: why.hours });
    case 'cannot_send':
      return t('replies.no_senders');
    default:
      return t(`noreply.${why.why}`);
  }
}

/** The address a preview pretends the email came from: the client's first `email:`
 * identity, else someone at its first `domain:`; `null` when it has neither. */
export function previewSender(matches: string[]): string | null {
  const email = matches.find((m) => m.startsWith('email:'));
  if (email) return email.slice('email:'.length);
  const domain = matches.find((m) => m.startsWith('domain:'));
  return domain ? `someone@${domain.slice('domain:'.length)}` : null;
}
