// English and French, following the system language unless the user picked one. Keys are
// checked at compile time: the French dictionary must have every English key.
import { en } from './en';
import { fr } from './fr';

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

/** The text of `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = dictionaries[i18n.locale][key] ?? en[key];
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
