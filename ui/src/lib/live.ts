// A client's live window read in both times: "mon,wed 09:00-10:00@client" for a client in New
// York is 15:00–16:00 in Paris, and "tue 14:00-15:00" (the user's time) is 08:00–09:00 there.
// Converted with the zones' offsets at `now` (this week's; a DST change in between shifts it).
import { zonedParts } from './format';

export type LiveWindow = { days: string; from: string; to: string; clientTime: boolean };

export function parseWindow(text: string): LiveWindow | null {
  const m = /^\s*([a-z,-]+)\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})(@client)?\s*$/i.exec(text);
  if (!m) return null;
  return { days: m[1]!, from: m[2]!.padStart(5, '0'), to: m[3]!.padStart(5, '0'), clientTime: !!m[4] };
}

/** The offset of `tz` from UTC at `now`, in minutes. */
function offset(tz: string, now: string): number {
  const p = zonedParts(now, tz);
  const shown = Date.parse(`${p.date}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}:00Z`);
  const at = new Date(now);
  at.setUTCSeconds(0, 0);
  return Math.round((shown - at.getTime()) / 60000);
}

function shift(hhmm: string, minutes: number): { text: string; dayShift: number } {
  const [h, m] = hhmm.split(':').map(Number);
  let total = (h ?? 0) * 60 + (m ?? 0) + minutes;
  const dayShift = Math.floor(total / 1440);
  total = ((total % 1440) + 1440) % 1440;
  return { text: `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`, dayShift };
}

/**
 * The window in the other party's time: `{ from, to, dayShift }`, where `dayShift` says the
 * window starts a day later (1) or earlier (-1) there. Null when both zones agree now.
 */
export function otherTime(w: LiveWindow, userTz: string, clientTz: string, now: string): { from: string; to: string; dayShift: number } | null {
  const delta = w.clientTime ? offset(userTz, now) - offset(clientTz, now) : offset(clientTz, now) - offset(userTz, now);
  if (delta === 0) return null;
  const from = shift(w.from, delta);
  const to = shift(w.to === '24:00' ? '23:59' : w.to, delta);
  return { from: from.text, to: w.to === '24:00' ? shift('24:00', delta).text : to.text, dayShift: from.dayShift };
}
