// A channel kind in the UI: the form that edits its settings, and how the form's fields and the
// kind's typed settings turn into each other. One file per kind (and its form component); this
// registry is the one place that lists them. Adding a kind: its two files and one line here.
import type { Component } from 'svelte';
import type { ChannelKind, ChannelSettings, WebhookPreset } from '../lib/api/types';
import type { Key } from '../lib/i18n/index.svelte';
import { desktop } from './desktop';
import { feed } from './feed';
import { imap } from './imap';
import { phone } from './phone';
import { webhook } from './webhook';

/** What a kind's form is given. */
export type FormProps<D> = {
  draft: D;
  /** Prefix for the ids of help texts (several forms may be on the page). */
  idPrefix: string;
  /** Webhooks: the senders whose payloads the engine knows. */
  presets: WebhookPreset[];
};

export interface KindUi<D> {
  kind: ChannelKind;
  /** The kind's name, for the tabs and the list. */
  label: Key;
  /** The form's fields: empty, or from a channel's settings. */
  draft(settings?: ChannelSettings): D;
  /** The settings the form's fields say (the engine checks them). */
  settings(draft: D): ChannelSettings;
  Form: Component<FormProps<D>>;
}

// Each kind's draft type is its own; the registry holds them side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: Record<ChannelKind, KindUi<any>> = { imap, webhook, feed, desktop, phone };

/** Splits a list typed as lines or commas. */
export const items = (s: string) =>
  s
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);
