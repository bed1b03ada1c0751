// Webhooks: Lull's own payload format, a known sender's (a preset), or a mapping of JSON
// pointers, one field per line.
import type { ChannelSettings, WebhookPreset } from '../lib/api/types';
import type { KindUi } from './kinds';
import WebhookForm from './WebhookForm.svelte';

export type WebhookDraft = { preset: WebhookPreset | ''; map: string };

export const webhook: KindUi<WebhookDraft> = {
  kind: 'webhook',
  label: 'channels.kind.webhook',
  draft: (s?: ChannelSettings) =>
    s?.kind === 'webhook' ? { preset: s.preset ?? '', map: s.map.join('\n') } : { preset: '', map: '' },
  settings: (d) => ({
    kind: 'webhook',
    ...(d.preset ? { preset: d.preset } : {}),
    map: d.map
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  }),
  Form: WebhookForm,
};
