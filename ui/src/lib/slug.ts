// A channel's name as Lull keeps it: what the user typed ("Acme Hooks", "Café Slack"), turned
// into lower-case letters, digits and dashes ("acme-hooks", "cafe-slack"), at most 64.
export function channelName(typed: string): string {
  return typed
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
}
