// Email over IMAP: the server, the account and the folders to watch. The password is asked by
// the channels screen for every kind that keeps one.
import type { ChannelSettings, TlsMode } from '../lib/api/types';
import ImapForm from './ImapForm.svelte';
import { items, type KindUi } from './kinds';

export type ImapDraft = { host: string; port: string; user: string; tls: TlsMode; folders: string };

export const imap: KindUi<ImapDraft> = {
  kind: 'imap',
  label: 'channels.kind.imap',
  draft: (s?: ChannelSettings) =>
    s?.kind === 'imap'
      ? { host: s.host, port: s.port ? String(s.port) : '', user: s.user, tls: s.tls, folders: s.folders.join(', ') }
      : { host: '', port: '', user: '', tls: 'tls', folders: 'INBOX' },
  settings: (d) => ({
    kind: 'imap',
    host: d.host.trim(),
    user: d.user.trim(),
    tls: d.tls,
    folders: items(d.folders),
    ...(d.port.trim() ? { port: Number(d.port) } : {}),
  }),
  Form: ImapForm,
};
