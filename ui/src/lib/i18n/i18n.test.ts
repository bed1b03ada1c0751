import { describe, expect, it } from 'vitest';
import en from '../../../../locales/en.json';
import fr from '../../../../locales/fr.json';
import { STATUS_LINE_SAMPLES, SUGGESTION_CODES, TREND_METRICS } from '../api/types';
import { statusLine } from '../status';
import { suggestion, trend } from '../suggestions';
import { i18n, phrase, setLocale, systemLocale, t, tn } from './index.svelte';

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

  it('words the engine’s phrases, nested ones and plural ones included', () => {
    setLocale('en', []);
    expect(phrase({ code: 'week.unknown_day', params: { value: '"fry"' } })).toContain('unknown day "fry"');
    const nested = { code: 'connector.cannot_store', params: { detail: { code: 'store.busy', params: {} } } };
    expect(phrase(nested)).toBe('storing the messages failed: the database is busy: another process held its write lock for more than 5 seconds; try again');
    expect(phrase({ code: 'webhook.not_a_string', params: { field: 'from', type: '@json.number' } })).toContain('a number');
    expect(phrase({ code: 'check.imap.folders_missing', params: { count: '1', folders: 'X' } })).not.toContain('check.imap');
    expect(phrase({ code: 'from.a.newer.lull', params: { x: '1' } })).toBe('from.a.newer.lull(x="1")');
    setLocale('fr', []);
    expect(phrase(nested)).toContain('la base est occupée');
  });
});

describe('every code the engine sends', () => {
  const now = '2026-11-24T10:00:00Z';
  for (const locale of ['en', 'fr'] as const) {
    it(`has words in ${locale}: suggestions, trends and status lines`, () => {
      setLocale(locale, []);
      for (const code of SUGGESTION_CODES) {
        for (const offset of [undefined, '0', '3', '-9']) {
          const params: Record<string, string> = { client: 'Acme', app: 'WhatsApp', count: '4', quota: '3', lower: '2', share: '42', outside: '12', previous: '10' };
          if (offset !== undefined) params.offset = offset;
          const text = suggestion({ code, params });
          expect(text, code).not.toMatch(/suggest\.|\{\w+\}/);
        }
      }
      for (const metric of TREND_METRICS) expect(trend(metric), metric).not.toMatch(/^trend\./);
      for (const line of STATUS_LINE_SAMPLES) expect(statusLine(line, now, 'Europe/Paris'), line.line).not.toMatch(/status\.line|\{\w+\}/);
    });
  }
});
