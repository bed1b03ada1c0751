import { describe, expect, it } from 'vitest';
import { clockBadge, clockLine, clockState, length } from './clock';
import { setLocale } from './i18n/index.svelte';
import type { ClockView } from './api/types';

const clock: ClockView = {
  platform: 'Fiverr',
  within_secs: 86_400,
  reply_by: '2026-11-25T09:15:00Z', // Wednesday 10:15 in Paris
  ring_at: '2026-11-25T08:00:00Z',
  rung_at: null,
  state: 'running',
};

describe('response clocks', () => {
  it('word lengths and states as the engine does', () => {
    setLocale('en', []);
    expect(length(86_400)).toBe('24 h');
    expect(length(5400)).toBe('1 h 30');
    expect(length(59 * 60 + 59)).toBe('59 min');
    expect(length(-3)).toBe('0 min');
    const tuesday = '2026-11-24T09:15:00Z';
    expect(clockBadge(clock, tuesday, tuesday, 'Europe/Paris')).toBe('reply by Wed 10:15');
    expect(clockLine(clock, tuesday, tuesday, 'Europe/Paris')).toBe('reply by Wed 10:15 (Fiverr rates replies within 24 h)');
    // A running clock whose time has passed while the window stayed open is missed.
    expect(clockState(clock, '2026-11-25T09:15:00Z')).toBe('missed');
    expect(clockState({ ...clock, state: 'kept' }, '2026-11-26T09:15:00Z')).toBe('kept');
    setLocale('fr', []);
    expect(clockBadge(clock, tuesday, tuesday, 'Europe/Paris')).toMatch(/^répondre avant mer\.? 10:15$/);
    expect(clockLine({ ...clock, state: 'missed' }, tuesday, tuesday, 'Europe/Paris')).toMatch(/^le délai de réponse de Fiverr a expiré à mer\.? 10:15$/);
  });
});
