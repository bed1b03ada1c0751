// How waiting messages are grouped and in what order: what matters first. Clients by tier
// (VIP, normal, low), then direct messages from people Lull does not know, then platforms
// (Malt, Upwork, ratings) under the platform's own name, then the rest (social, newsletters,
// communities) under their sender's name. Platform mail is not "Unknown": it is the platform.
import type { ClientView, MessageView, Tier } from './api/types';

export type GroupKind = 'client' | 'direct' | 'platform' | 'other';
export type Group = { key: string; kind: GroupKind; name: string; tier: Tier | null; messages: MessageView[] };

const TIER_ORDER: Record<Tier, number> = { vip: 0, normal: 1, low: 2 };
const KIND_ORDER: Record<GroupKind, number> = { client: 0, direct: 1, platform: 2, other: 3 };

/** The name a sender goes by: its display name (`Malt <noreply@malt.com>` → `Malt`), else its
 * domain (`noreply@malt.com` → `malt.com`), else what it is. */
export function senderName(sender: string): string {
  const display = sender.includes('<') ? sender.split('<')[0]?.trim().replace(/^"|"$/g, '') : '';
  if (display && !display.includes('@')) return display;
  const address = /<([^>]+)>/.exec(sender)?.[1] ?? sender;
  return address.includes('@') ? (address.split('@')[1] ?? address) : address.trim();
}

function groupOf(m: MessageView): { kind: GroupKind; name: string } {
  if (m.client) return { kind: 'client', name: m.client };
  if (m.category === 'direct' || m.category === 'mention') return { kind: 'direct', name: '' };
  if (m.category === 'platform' || m.category === 'rating') return { kind: 'platform', name: m.app ?? senderName(m.sender) };
  return { kind: 'other', name: m.app ?? senderName(m.sender) };
}

export function groupMessages(messages: readonly MessageView[], clients: readonly ClientView[]): Group[] {
  const tiers = new Map(clients.map((c) => [c.name, c.tier]));
  const groups = new Map<string, Group>();
  for (const m of messages) {
    const { kind, name } = groupOf(m);
    const key = `${kind}:${name.toLowerCase()}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, kind, name, tier: kind === 'client' ? (tiers.get(name) ?? 'normal') : null, messages: [] };
      groups.set(key, g);
    }
    g.messages.push(m);
  }
  return [...groups.values()].sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.tier && b.tier ? TIER_ORDER[a.tier] - TIER_ORDER[b.tier] : 0) ||
      b.messages.length - a.messages.length ||
      a.name.localeCompare(b.name),
  );
}
