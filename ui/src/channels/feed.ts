// Feeds: an RSS, Atom or JSON Feed address, polled every few minutes or hours.
import type { ChannelSettings } from '../lib/api/types';
import FeedForm from './FeedForm.svelte';
import type { KindUi } from './kinds';

/** `every` is in minutes. */
export type FeedDraft = { url: string; every: number };

export const feed: KindUi<FeedDraft> = {
  kind: 'feed',
  label: 'channels.kind.feed',
  draft: (s?: ChannelSettings) => (s?.kind === 'feed' ? { url: s.url, every: Math.round(s.every_secs / 60) } : { url: '', every: 15 }),
  settings: (d) => ({ kind: 'feed', url: d.url.trim(), every_secs: d.every * 60 }),
  Form: FeedForm,
};
