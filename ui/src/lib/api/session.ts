// Where the browser UI finds its engine and token. `lull serve` and `lull open` print the
// address as http://127.0.0.1:PORT/#token=…: the fragment never reaches a server or a log; the
// UI keeps it in this origin's storage and removes it from the address bar.
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

/** The transport for this page, or null when the browser has no token yet. */
export function browserTransport(): Transport | null {
  const token = tokenFromLocation(window.location, window.localStorage, window.history);
  if (!token) return null;
  const base = new URL('./', window.location.href).toString();
  return new HttpTransport(base, token);
}
