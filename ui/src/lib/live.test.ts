import { describe, expect, it } from 'vitest';
import { otherTime, parseWindow } from './live';

describe('live windows in both times', () => {
  const now = '2026-11-24T10:00:00Z';
  it('reads a window in the client’s time in yours, and yours in theirs', () => {
    const theirs = parseWindow('mon,wed 09:00-10:00@client')!;
    expect(theirs).toEqual({ days: 'mon,wed', from: '09:00', to: '10:00', clientTime: true });
    expect(otherTime(theirs, 'Europe/Paris', 'America/New_York', now)).toEqual({ from: '15:00', to: '16:00', dayShift: 0 });
    const yours = parseWindow('tue 14:00-15:00')!;
    expect(otherTime(yours, 'Europe/Paris', 'America/New_York', now)).toEqual({ from: '08:00', to: '09:00', dayShift: 0 });
    // Tokyo is the next day for a Paris evening.
    expect(otherTime(parseWindow('fri 18:00-19:00')!, 'Europe/Paris', 'Asia/Tokyo', now)).toEqual({ from: '02:00', to: '03:00', dayShift: 1 });
    expect(otherTime(yours, 'Europe/Paris', 'Europe/Berlin', now)).toBeNull();
    expect(parseWindow('whenever')).toBeNull();
  });
  it('follows the offsets of the week it is asked about (DST)', () => {
    // In summer New York is still 6 h behind Paris, but between the two DST changes of March, 5.
    expect(otherTime(parseWindow('mon 09:00-10:00@client')!, 'Europe/Paris', 'America/New_York', '2027-03-16T10:00:00Z')).toEqual({ from: '14:00', to: '15:00', dayShift: 0 });
  });
});
