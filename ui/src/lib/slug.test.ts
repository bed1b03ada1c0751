import { describe, expect, it } from 'vitest';
import { channelName } from './slug';

describe('channel names', () => {
  it('turns what was typed into a name Lull keeps', () => {
    expect(channelName('Acme Hooks')).toBe('acme-hooks');
    expect(channelName('  Café  Slack! ')).toBe('cafe-slack');
    expect(channelName('acme-hooks')).toBe('acme-hooks');
    expect(channelName('Globex / Jira')).toBe('globex-jira');
    expect(channelName('x'.repeat(80))).toHaveLength(64);
    expect(channelName('日本')).toBe('');
  });
});
