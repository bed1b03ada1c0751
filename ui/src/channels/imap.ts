// Email over IMAP: the server, the account and the folders to watch, and, for availability
// replies, the outgoing server (SMTP) and the user's own address. The password is asked by the
// channels screen for every kind that keeps one; the outgoing server uses the same.
import type { ChannelSettings, TlsMode } from '../lib/api/types';
import ImapForm from './ImapForm.svelte';
import { items, type KindUi } from './kinds';

export type ImapDraft = {
  host: string;
  port: string;
  user: string;
  tls: TlsMode;
  folders: string;
  smtpHost: string;
  smtpPort: string;
  smtpTls: TlsMode;
  smtpUser: string;
  address: string;
  /** Kept as they were: what the form does not show. */
  caFile: string | null;
};

const optional = <K extends string, V>(key: K, value: V | null | undefined | '') =>
  (value === null || value === undefined || value === '' ? {} : { [key]: value }) as Partial<Record<K, V>>;

export const imap: KindUi<ImapDraft> = {
  kind: 'imap',
  label: 'channels.kind.imap',
  draft: (s?: ChannelSettings) =>
    s?.kind === 'imap'
      ? {
          host: s.host,
          port: s.port ? String(s.port) : '',
          user: s.user,
          tls: s.tls,
          folders: s.folders.join(', '),
          smtpHost: s.smtp_host ?? '',
          smtpPort: s.smtp_port ? String(s.smtp_port) : '',
          smtpTls: s.smtp_tls ?? 'starttls',
          smtpUser: s.smtp_user ?? '',
          address: s.address ?? '',
          caFile: s.ca_file ?? null,
        }
      : { host: '', port: '', user: '', tls: 'tls', folders: 'INBOX', smtpHost: '', smtpPort: '', smtpTls: 'starttls', smtpUser: '', address: '', caFile: null },
  settings: (d) => {
    const smtp = d.smtpHost.trim();
    return {
      kind: 'imap',
      host: d.host.trim(),
      user: d.user.trim(),
      tls: d.tls,
      folders: items(d.folders),
      ...optional('port', d.port.trim() ? Number(d.port) : null),
      ...optional('ca_file', d.caFile),
      ...optional('address', d.address.trim()),
      ...(smtp
        ? {
            smtp_host: smtp,
            smtp_tls: d.smtpTls,
            ...optional('smtp_port', d.smtpPort.trim() ? Number(d.smtpPort) : null),
            ...optional('smtp_user', d.smtpUser.trim()),
          }
        : {}),
    };
  },
  Form: ImapForm,
};
