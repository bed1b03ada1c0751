// What a glance at Lull says (the reassurance shown when Lull is opened during focus), line by
// line, in the UI's language, from the lines the engine's status sends.
import type { StatusLine } from './api/types';
import { release } from './format';
import { i18n, t, tn } from './i18n/index.svelte';

/** One line; times relative to `now`, in the user's time zone `tz`. */
export function statusLine(line: StatusLine, now: string, tz: string): string {
  const when = (at: string) => release(now, at, tz, i18n.locale);
  switch (line.line) {
    case 'in_focus':
      return t('status.line.in_focus_until', { when: when(line.until) });
    case 'not_in_focus':
      return t('status.line.not_in_focus');
    case 'nothing_urgent':
      return t('status.line.nothing_urgent');
    case 'urgent':
      return tn('status.line.urgent', line.count);
    case 'next_digest':
      return t('status.line.next_digest', {
        when: when(line.at),
        messages: tn('count.messages', line.messages),
        clients: tn('count.clients', line.clients),
      });
    case 'next_digest_empty':
      return t('status.line.next_digest_empty', { when: when(line.at) });
  }
}
