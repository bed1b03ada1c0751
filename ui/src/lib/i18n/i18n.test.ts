import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';
import { i18n, setLocale, systemLocale, t, tn } from './index.svelte';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('French has every English key, non-empty, with the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      expect(placeholders(fr[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('follows the system language unless told otherwise', () => {
    expect(systemLocale(['fr-FR', 'en'])).toBe('fr');
    expect(systemLocale(['de-DE', 'en-GB'])).toBe('en');
    setLocale('auto', ['fr-CA']);
    expect(i18n.locale).toBe('fr');
    setLocale('en', ['fr-CA']);
    expect(i18n.locale).toBe('en');
  });

  it('fills placeholders and picks plural forms per language', () => {
    setLocale('en', []);
    expect(tn('count.messages', 1)).toBe('1 message');
    expect(tn('count.messages', 1234)).toBe('1,234 messages');
    expect(t('digest.title', { time: '13:00' })).toBe('13:00 digest');
    setLocale('fr', []);
    // French treats 0 and 1 as singular, and groups thousands with a narrow no-break space.
    expect(tn('count.messages', 0)).toBe('0 message');
    expect(tn('count.messages', 1234)).toBe('1\u202f234 messages');
    expect(t('digest.title', { time: '13:00' })).toBe('Récapitulatif de 13:00');
  });
});
