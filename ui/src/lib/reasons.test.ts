import { describe, expect, it } from 'vitest';
import { reason } from './reasons';
import { setLocale } from './i18n/index.svelte';

const at = '2026-11-24T09:15:00Z'; // 10:15 in Paris

describe('reasons', () => {
  it('words every rule like the engine does, in English', () => {
    setLocale('en', []);
    expect(reason({ rule: 'focus_block', block: 'mon-fri 09:00-12:00', until: '2026-11-24T11:00:00Z' }, at, '2026-11-24T12:00:00Z', 'Europe/Paris')).toBe(
      'During focus (mon-fri 09:00-12:00, until 12:00): held until the 13:00 digest.',
    );
    expect(reason({ rule: 'live_window', client: 'Globex', window: 'tue,thu 09:00-10:00@client' }, at, null, 'Europe/Paris')).toBe(
      'Inside Globex’s live window (tue,thu 09:00-10:00, Globex’s time): notify now.',
    );
    // Outside working hours with no focus on, an urgent message does not "break through focus".
    expect(reason({ rule: 'urgent', client: 'Acme', word: 'urgent', used: 1, quota: 3, after_hours: true }, at, null, 'Europe/Paris')).toBe(
      'Urgent from VIP Acme (“urgent”): reaches you outside working hours (bypass 1 of 3 today).',
    );
    expect(reason({ rule: 'after_hours' }, '2026-11-27T19:00:00Z', '2026-11-30T08:00:00Z', 'Europe/Paris')).toMatch(/^Outside working hours: held until the Mon 09:00 digest/);
  });

  it('words them in French, nested rules included', () => {
    setLocale('fr', []);
    expect(reason({ rule: 'focus_block', block: 'mon-fri 09:00-12:00', until: '2026-11-24T11:00:00Z' }, at, '2026-11-24T12:00:00Z', 'Europe/Paris')).toMatch(
      /^Pendant un créneau de concentration \(lun-ven 09:00-12:00,/,
    );
    const text = reason(
      { rule: 'quota_exhausted', client: 'Acme', quota: 3, trigger: { kind: 'retry', attempts: 3 }, held_by: { rule: 'manual_focus', until: '2026-11-24T10:00:00Z' } },
      at,
      '2026-11-24T12:00:00Z',
      'Europe/Paris',
    );
    expect(text).toBe(
      'Serait passé (3 tentatives en 15 minutes), mais Acme a déjà utilisé ses 3 passages du jour. Pendant votre séance de concentration (jusqu’à 11:00) : en attente du récapitulatif de 13:00.',
    );
  });
});
