// The application's shared state: the API, the engine's status, live-update counters, the
// user's display settings, and the message shown after an action.
import { createApi, type Api, type Transport, LullError } from './api/client';
import type { EngineEvent, MessageView, StatusView } from './api/types';
import { phrase, setLocale, type LocaleSetting } from './i18n/index.svelte';

export type ThemeSetting = 'auto' | 'light' | 'dark';

export const app = $state({
  ready: false,
  connected: true,
  status: null as StatusView | null,
  /** The user's time zone (the schedule's). */
  tz: 'UTC',
  /** Bumped on every engine event of each kind; screens reload when theirs moves. */
  changes: { messages: 0, digests: 0, clients: 0, channels: 0, schedule: 0 },
  toast: null as { text: string; error: boolean } | null,
  settings: { locale: 'auto' as LocaleSetting, theme: 'auto' as ThemeSetting },
  /** Live and urgent messages that arrived while this page was open, not yet dismissed. */
  interruptions: [] as MessageView[],
});

let current: Api | null = null;

export function api(): Api {
  if (!current) throw new LullError('unavailable', 'not connected to Lull');
  return current;
}

export function connect(transport: Transport): () => void {
  current = createApi(transport);
  void refreshStatus();
  return transport.subscribe(onEvent, (connected) => {
    app.connected = connected;
    if (connected) void refreshStatus();
  });
}

function onEvent(event: EngineEvent) {
  switch (event.type) {
    case 'message_ingested':
      app.changes.messages++;
      if (event.decision === 'live' || event.decision === 'bypass') void interrupted(event.id);
      break;
    case 'digest_released':
      app.changes.digests++;
      app.changes.messages++;
      break;
    case 'clients_changed':
      app.changes.clients++;
      break;
    case 'channels_changed':
      app.changes.channels++;
      break;
    case 'schedule_changed':
    case 'focus_changed':
      app.changes.schedule++;
      break;
    // Read, archived, snoozed: the screen that did it has updated itself; only the counts
    // (refreshed below) change elsewhere.
    case 'messages_triaged':
      break;
  }
  void refreshStatus();
}

/**
 * A live or urgent message arrived: the page shows it (its top bar, its tab's title) and, when
 * the desktop cannot show notifications and the browser may, a browser notification.
 */
async function interrupted(id: number) {
  try {
    const page = await api().inbox({ interruptions_only: true, limit: 20, held_only: false, archived: false, record_check: false, snoozed_only: false, client: null, search: null, before: null });
    const m = page.messages.find((x) => x.id === id);
    if (!m || app.interruptions.some((x) => x.id === id)) return;
    app.interruptions = [m, ...app.interruptions].slice(0, 20);
    if (app.status?.notifications_error && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      // Text only: a notification's body is not markup in browsers.
      new Notification(`${m.client ?? m.sender}: ${m.title || m.body}`.slice(0, 200), { body: m.title ? m.body.slice(0, 300) : '', tag: `lull-${m.id}` });
    }
  } catch (e) {
    report(e);
  }
}

export function dismissInterruptions() {
  app.interruptions = [];
}

export async function refreshStatus() {
  try {
    app.status = await api().status();
    if (!performance.getEntriesByName('lull:status').length) performance.mark('lull:status');
    app.tz = app.status.tz;
    app.ready = true;
  } catch (e) {
    report(e);
  }
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** A passing word after an action; an error stays until dismissed (or the next word). */
export function say(text: string, error = false) {
  app.toast = { text, error };
  clearTimeout(toastTimer);
  if (!error) toastTimer = setTimeout(() => (app.toast = null), 3500);
}

/**
 * Shows an error in the UI's language; errors from the engine say what to do. One that names an
 * input field also marks the field on the screen (`data-field`), with the same words.
 */
export function report(e: unknown) {
  if (!(e instanceof LullError)) {
    say(e instanceof Error ? e.message : String(e), true);
    return;
  }
  const text = phrase(e.problem);
  // An error about an input is shown at that input, in the form's own words, until it is
  // changed; others in the error bar until dismissed.
  if (typeof document !== 'undefined' && e.field && markField(e.field, text)) return;
  say(text, true);
}

/**
 * Marks the visible input for `field` as wrong, with the error written next to it, until it is
 * changed, and moves focus there; false when no such input is on screen. It does not block the
 * form: the engine decides again.
 */
function markField(field: string, text: string): boolean {
  // The form the user just submitted first: two forms on a page may have the same field (the
  // new channel's and a channel being edited).
  const selector = `[data-field~="${CSS.escape(field)}"]`;
  const form = document.activeElement?.closest('form');
  const input = form?.querySelector<HTMLElement>(selector) ?? document.querySelector<HTMLElement>(selector);
  if (!input) return false;
  markInput(input, text);
  return true;
}

let errorIds = 0;

/**
 * Shows `text` as the error of `input`, right after it, until the input changes. Only the last
 * error on a page stays: a new one replaces it.
 */
export function markInput(input: HTMLElement, text: string) {
  document.querySelectorAll('.field-error').forEach((el) => el.remove());
  document.querySelectorAll('[aria-invalid=true]').forEach((el) => {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  });
  const note = document.createElement('span');
  note.className = 'field-error';
  note.id = `field-error-${++errorIds}`;
  note.setAttribute('role', 'alert');
  note.dataset.testid = 'field-error';
  note.textContent = text;
  input.after(note);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', note.id);
  input.focus();
  const clear = () => {
    note.remove();
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  };
  input.addEventListener('input', clear, { once: true });
  input.addEventListener('change', clear, { once: true });
}

const SETTINGS_KEY = 'lull.settings';
/** Set once the user saved their week on Focus: the first run's "your week" is done. */
export const WEEK_SAVED = 'lull.week_saved';

export function loadSettings(storage: Storage = localStorage) {
  try {
    Object.assign(app.settings, JSON.parse(storage.getItem(SETTINGS_KEY) ?? '{}'));
  } catch {
    /* unreadable settings: keep the defaults */
  }
  applySettings();
}

export function saveSettings(storage: Storage = localStorage) {
  storage.setItem(SETTINGS_KEY, JSON.stringify(app.settings));
  applySettings();
}

function applySettings() {
  setLocale(app.settings.locale);
  const root = document.documentElement;
  if (app.settings.theme === 'auto') delete root.dataset.theme;
  else root.dataset.theme = app.settings.theme;
}
