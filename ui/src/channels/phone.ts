// The phone: its notifications through KDE Connect or GSConnect, from one paired device or
// every one, and whether held ones are dismissed on the phone.
import type { ChannelSettings } from '../lib/api/types';
import type { KindUi } from './kinds';
import PhoneForm from './PhoneForm.svelte';

export type PhoneDraft = { device: string; dismissHeld: boolean };

export const phone: KindUi<PhoneDraft> = {
  kind: 'phone',
  label: 'channels.kind.phone',
  draft: (s?: ChannelSettings) =>
    s?.kind === 'phone' ? { device: s.device ?? '', dismissHeld: s.dismiss_held } : { device: '', dismissHeld: false },
  settings: (d) => ({ kind: 'phone', ...(d.device.trim() ? { device: d.device.trim() } : {}), dismiss_held: d.dismissHeld }),
  Form: PhoneForm,
};
