// What "snooze" can mean for a message, as choices a person reads: after lunch (today 14:00,
// while it is still morning), tomorrow 09:00, and the next digest when that is later than the
// message's own release (snoozing a held message "to the next digest" would change nothing).
// Times are wall-clock times in the user's zone, DST included.
import type { MessageView, StatusView } from './api/types';
import { zonedParts } from './format';

export type SnoozeChoice = { kind: 'lunch' | 'tomorrow' | 'next_digest'; until: string };

/** The instant at wall-clock `date` (YYYY-MM-DD) `hour`:00 in `tz`. */
export function atLocal(date: string, hour: number, tz: string): string {
  // Start from the same wall time read as UTC, then correct by the zone's offset there (twice:
  // the offset can differ on either side of a DST change).
  let guess = Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess).toISOString(), tz);
    const shown = Date.parse(`${p.date}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}:00Z`);
    guess += Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`) - shown;
  }
  return new Date(guess).toISOString();
}

function nextDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function snoozeChoices(now: string, tz: string, nextDigest: string | null, releaseAt: string | null): SnoozeChoice[] {
  const here = zonedParts(now, tz);
  const choices: SnoozeChoice[] = [];
  if (here.hour < 13) choices.push({ kind: 'lunch', until: atLocal(here.date, 14, tz) });
  choices.push({ kind: 'tomorrow', until: atLocal(nextDate(here.date), 9, tz) });
  if (nextDigest && Date.parse(nextDigest) > Date.parse(now) && (!releaseAt || Date.parse(nextDigest) > Date.parse(releaseAt))) {
    choices.push({ kind: 'next_digest', until: nextDigest });
  }
  return choices.sort((a, b) => Date.parse(a.until) - Date.parse(b.until));
}

/** The choices for `m` now (`status` is the engine's): a held message's own release counts. */
export function choicesFor(m: MessageView, status: StatusView | null, tz: string): SnoozeChoice[] {
  if (!status) return [];
  return snoozeChoices(status.now, tz, status.next_digest, m.decision === 'held' && !m.digest_id ? m.release_at : null);
}
