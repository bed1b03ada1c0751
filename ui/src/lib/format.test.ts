import { describe, expect, it } from 'vitest';
import { dateTime, release, time, zonedParts } from './format';

describe('dates as the user reads them', () => {
  it('keeps each zone and language apart, formatters being made once and reused', () => {
    // 01:30 UTC on the night Paris moves to summer time (02:00 -> 03:00), twice over.
    for (let round = 0; round < 2; round++) {
      expect(time('2026-03-29T01:30:00Z', 'Europe/Paris', 'en')).toBe('03:30');
      expect(time('2026-03-29T00:30:00Z', 'Europe/Paris', 'en')).toBe('01:30');
      expect(time('2026-03-29T01:30:00Z', 'America/New_York', 'en')).toBe('21:30');
      expect(dateTime('2026-03-29T01:30:00Z', 'Europe/Paris', 'en')).toMatch(/Sun/);
      expect(dateTime('2026-03-29T01:30:00Z', 'Europe/Paris', 'fr')).toMatch(/dim/);
      expect(zonedParts('2026-03-29T01:30:00Z', 'America/New_York')).toEqual({ date: '2026-03-28', hour: 21, minute: 30 });
    }
  });

  it('says a release as shortly as is clear', () => {
    expect(release('2026-11-24T09:00:00Z', '2026-11-24T12:00:00Z', 'Europe/Paris', 'en')).toBe('13:00');
    expect(release('2026-11-24T09:00:00Z', '2026-11-25T08:00:00Z', 'Europe/Paris', 'en')).toBe('Wed 09:00');
    expect(release('2026-11-24T09:00:00Z', '2026-11-25T08:00:00Z', 'Europe/Paris', 'fr')).toBe('mer. 09:00');
  });
});
