import { describe, expect, it } from 'vitest';
import { groupMessages, senderName } from './groups';
import type { ClientView, MessageView } from './api/types';

const m = (id: number, client: string | null, category: MessageView['category'], sender: string, app: string | null = null) =>
  ({ id, client, category, sender, app }) as unknown as MessageView;
const c = (name: string, tier: ClientView['tier']) => ({ name, tier }) as unknown as ClientView;

describe('waiting groups', () => {
  it('puts clients first by tier, then unknown people, then platforms by name, then the rest', () => {
    const groups = groupMessages(
      [
        m(1, null, 'platform', 'Malt <noreply@malt.com>'),
        m(2, null, 'newsletter', 'Freelance Devs <digest@community.example>'),
        m(3, null, 'rating', 'Malt <noreply@malt.com>'),
        m(4, 'Globex', 'direct', 'dana@globex.example'),
        m(5, 'Globex', 'direct', 'dana@globex.example'),
        m(6, 'Acme', 'direct', 'jane@acme.example'),
        m(7, null, 'direct', 'stranger@example.org'),
        m(8, null, 'platform', 'noreply@upwork.com'),
        m(9, 'Hooli', 'direct', 'x@hooli.example'),
      ],
      [c('Acme', 'vip'), c('Globex', 'normal'), c('Hooli', 'low')],
    );
    expect(groups.map((g) => [g.kind, g.name, g.messages.length])).toEqual([
      ['client', 'Acme', 1],
      ['client', 'Globex', 2],
      ['client', 'Hooli', 1],
      ['direct', '', 1],
      ['platform', 'Malt', 2],
      ['platform', 'upwork.com', 1],
      ['other', 'Freelance Devs', 1],
    ]);
  });

  it('names a sender by its display name, else its domain', () => {
    expect(senderName('"Malt" <noreply@malt.com>')).toBe('Malt');
    expect(senderName('noreply@malt.com')).toBe('malt.com');
    expect(senderName('<noreply@malt.com>')).toBe('malt.com');
    expect(senderName('WhatsApp')).toBe('WhatsApp');
  });
});
