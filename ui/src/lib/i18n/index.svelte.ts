// English and French, following the system language unless the user picked one. The words are
// Lull's shared dictionaries (`locales/en.json`, `locales/fr.json`), the same files the `lull`
// command, the desktop notifications and the tray word from. Keys are checked at compile time:
// the French dictionary must have every English key.
import en from '../../../../locales/en.json';
import fr from '../../../../locales/fr.json';
import type { Phrase } from '../api/types';

export type Key = keyof typeof en;
export type Locale = 'en' | 'fr';
export type LocaleSetting = Locale | 'auto';

export const dictionaries: Record<Locale, Record<Key, string>> = { en, fr };

export function systemLocale(languages: readonly string[]): Locale {
  return languages.some((l) => l.toLowerCase().startsWith('fr')) ? 'fr' : 'en';
}

export const i18n = $state({ locale: 'en' as Locale });

export function setLocale(setting: LocaleSetting, languages: readonly string[] = navigator.languages ?? [navigator.language]) {
  i18n.locale = setting === 'auto' ? systemLocale(languages) : setting;
  if (typeof document !== 'undefined') document.documentElement.lang = i18n.locale;
}

/** Whether `key` has words (keys made at run time, from codes the engine sends). */
export function has(key: string): key is Key {
  return key in en;
}

/**
 * The text of `key` in the current language, with `{name}` placeholders filled in. The window
 * sets apostrophes typographically (`Acme’s`); the dictionaries keep the plain ones the command
 * line and the API's English use. Parameters (names people typed) are left as they are.
 */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = (dictionaries[i18n.locale][key] ?? en[key]).replace(/([\p{L}}])'(\p{L})/gu, '$1\u2019$2');
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    return value === undefined ? `{${name}}` : typeof value === 'number' ? new Intl.NumberFormat(i18n.locale).format(value) : value;
  });
}

type PluralBase = Key extends infer K ? (K extends `${infer B}.one` ? B : never) : never;

/** The plural form of `base` for `count`: `base.one` or `base.other`, with `{count}`. */
export function tn(base: PluralBase, count: number, params: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(i18n.locale).select(count) === 'one' ? 'one' : 'other';
  return t(`${base}.${form}` as Key, { ...params, count });
}

/**
 * A phrase of the engine, worded: its code is the key; a parameter that is itself a phrase is
 * worded first, a text parameter `@key` is that key's words, and a `count` chooses the plural
 * form. A code this UI does not know (a newer engine) is shown as it came.
 */
export function phrase(p: Phrase): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(p.params)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') params[name] = phrase(value);
    else if (value.startsWith('@') && has(value.slice(1))) params[name] = t(value.slice(1) as Key);
    else params[name] = value;
  }
  if (has(p.code)) return t(p.code, params);
  const count = Number(params.count);
  if (Number.isFinite(count) && has(`${p.code}.one`)) return tn(p.code as PluralBase, count, params);
  return `${p.code}(${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;
}
