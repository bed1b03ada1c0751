// Desktop notifications: watched, or received first as the desktop's notification daemon
// (gatekeeper mode), leaving out the apps listed.
import type { ChannelSettings } from '../lib/api/types';
import DesktopForm from './DesktopForm.svelte';
import { items, type KindUi } from './kinds';

export type DesktopDraft = { ignore: string; gatekeeper: boolean };

export const desktop: KindUi<DesktopDraft> = {
  kind: 'desktop',
  label: 'channels.kind.desktop',
  draft: (s?: ChannelSettings) =>
    s?.kind === 'desktop' ? { ignore: s.ignore_apps.join(', '), gatekeeper: s.gatekeeper } : { ignore: '', gatekeeper: false },
  settings: (d) => ({ kind: 'desktop', ignore_apps: items(d.ignore), gatekeeper: d.gatekeeper }),
  Form: DesktopForm,
};
