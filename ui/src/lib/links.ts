// Links from messages are untrusted: only https pages and mail addresses may be opened, and a
// `mailto:` keeps only its address, subject and body. Other mailto parameters (`attach=`,
// `cc=`, `bcc=`, headers) could make the mail client attach a local file or copy someone in.

export function safeLink(url: string | null): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === 'https:') return u.toString();
  if (u.protocol !== 'mailto:') return null;
  const kept = new URLSearchParams();
  for (const [key, value] of u.searchParams) {
    const k = key.toLowerCase();
    if ((k === 'subject' || k === 'body') && !kept.has(k)) kept.set(k, value);
  }
  const query = kept.toString().replace(/\+/g, '%20');
  return `mailto:${u.pathname}${query ? `?${query}` : ''}`;
}
