import { describe, expect, it } from 'vitest';
import { cell, statsCsv } from './csv';
import type { StatsView } from './api/types';

describe('stats CSV', () => {
  it('is one tidy table: a column per dimension, a value per row, both weeks', () => {
    const figures = {
      week: '2026-W48', start: '2026-11-23T00:00:00Z', end: '2026-11-30T00:00:00Z', messages: 3,
      by_client: [{ name: 'Acme, Inc', count: 2 }], by_channel: [], by_category: [], by_day: [1, 2, 0, 0, 0, 0, 0],
      by_client_day: [], by_weekday_hour: [], decisions: { live: 1, held: 2, bypass: 0, muted: 0 },
      interruptions: { total: 1, live: 1, bypass: 0, digest: 0, in_focus: 0 }, interruptions_by_client_day: [],
      interruptions_in_focus_by_client: [], live_in_focus_by_client: [], context_switches: 0, after_hours: 0, after_hours_by_client: [],
      checks: 0, checks_during_focus: 0, bypasses_used: 0, bypasses_by_client: [], ratings_contained: 0, focus_minutes: 90, longest_stretch: null, by_app: [], phone: { notifications: 0, kept_off: 0, dismissed: 0, by_app: [] },
    };
    const stats = { ...figures, tz: 'Europe/Paris', previous: { ...figures, week: '2026-W47' }, compared_until: null, trends: [], suggestions: [], told: { replies: 0, clients: 0 }, clocks: { kept: 3, missed: 1, running: 0 } } as StatsView;
    const csv = statsCsv(stats).split('\n');
    expect(csv[0]).toBe('week,metric,client,channel,category,app,day,hour,value');
    expect(csv).toContain('2026-W48,messages,"Acme, Inc",,,,,,2');
    expect(csv).toContain('2026-W48,messages,,,,,Tue,,2');
    expect(csv).toContain('2026-W48,focus_minutes,,,,,,,90');
    expect(csv).toContain('2026-W47,focus_minutes,,,,,,,90');
    // Every row has every column.
    expect(csv.filter(Boolean).every((r) => r.replace(/"[^"]*"/g, '').split(',').length === 9)).toBe(true);
  });

  // Audit defect 10: a client named `=HYPERLINK(…)` must not become a formula in a spreadsheet.
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(cell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(cell('+33 6 12')).toBe("'+33 6 12");
    expect(cell('-1')).toBe("'-1");
    expect(cell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(cell('Acme')).toBe('Acme');
    expect(cell(-3)).toBe('-3');
  });
});
