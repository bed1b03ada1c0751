// Where the browser UI finds its engine and token. `lull open` and the tray open
// http://127.0.0.1:PORT/#code=…, a one-time code good for a minute that the page exchanges
// for the token (`POST /session`), so the token itself is never on a command line or in the
// browser's history; `lull serve` on a terminal prints http://…/#token=… for the person
// reading it. Either way the fragment never reaches a server or a log; the UI keeps the token
// in this origin's storage and removes the fragment from the address bar.
import { HttpTransport, type Transport } from './client';

const KEY = 'lull.token';

export function tokenFromLocation(loc: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_]+)/.exec(loc.hash);
  if (match?.[1]) {
    storage.setItem(KEY, match[1]);
    history.replaceState(null, '', loc.pathname + loc.search);
    return match[1];
  }
  return storage.getItem(KEY);
}

export function forgetToken(storage: Storage) {
  storage.removeItem(KEY);
}

/** Exchanges a one-time `#code=` for the token; null when there is none, or it was spent. */
export async function tokenFromCode(loc: Location, storage: Storage, history: History, fetchFn: typeof fetch = fetch): Promise<string | null> {
  const match = /(?:^#|&)code=([A-Za-z0-9_]+)/.exec(loc.hash);
  if (!match?.[1]) return null;
  history.replaceState(null, '', loc.pathname + loc.search);
  const answer = await fetchFn(new URL('session', new URL('./', loc.href)).toString(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: match[1] }),
  }).catch(() => null);
  if (!answer?.ok) return null;
  const { token } = (await answer.json()) as { token?: string };
  if (!token) return null;
  storage.setItem(KEY, token);
  return token;
}

/** The transport for this page, or null when the browser has no token yet. */
export async function browserTransport(): Promise<Transport | null> {
  const token =
    (await tokenFromCode(window.location, window.localStorage, window.history)) ??
    tokenFromLocation(window.location, window.localStorage, window.history);
  if (!token) return null;
  const base = new URL('./', window.location.href).toString();
  return new HttpTransport(base, token);
}
