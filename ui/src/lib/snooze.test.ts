import { describe, expect, it } from 'vitest';
import { atLocal, snoozeChoices } from './snooze';

describe('snooze choices', () => {
  it('offers lunch in the morning, tomorrow 09:00, and the next digest only when it is later', () => {
    const morning = snoozeChoices('2026-11-24T09:15:00Z', 'Europe/Paris', '2026-11-24T12:00:00Z', null);
    expect(morning).toEqual([
      { kind: 'next_digest', until: '2026-11-24T12:00:00Z' },
      { kind: 'lunch', until: '2026-11-24T13:00:00.000Z' },
      { kind: 'tomorrow', until: '2026-11-25T08:00:00.000Z' },
    ]);
    // A held message already goes in that digest: "next digest" would change nothing.
    const held = snoozeChoices('2026-11-24T09:15:00Z', 'Europe/Paris', '2026-11-24T12:00:00Z', '2026-11-24T12:00:00Z');
    expect(held.map((c) => c.kind)).toEqual(['lunch', 'tomorrow']);
    // The afternoon has no lunch left.
    expect(snoozeChoices('2026-11-24T15:00:00Z', 'Europe/Paris', null, null).map((c) => c.kind)).toEqual(['tomorrow']);
  });

  it('keeps wall-clock times across a DST change and in other zones', () => {
    // Paris springs forward on 2027-03-28: 09:00 is 07:00Z the day after.
    expect(atLocal('2027-03-28', 9, 'Europe/Paris')).toBe('2027-03-28T07:00:00.000Z');
    expect(atLocal('2027-03-27', 9, 'Europe/Paris')).toBe('2027-03-27T08:00:00.000Z');
    expect(snoozeChoices('2027-03-27T20:00:00Z', 'Europe/Paris', null, null)[0]?.until).toBe('2027-03-28T07:00:00.000Z');
    expect(atLocal('2026-11-24', 9, 'America/New_York')).toBe('2026-11-24T14:00:00.000Z');
    expect(atLocal('2026-11-24', 14, 'Asia/Kolkata')).toBe('2026-11-24T08:30:00.000Z');
  });
});
