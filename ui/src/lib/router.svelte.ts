// Hash routes: #/inbox, #/digests, #/digests/12, #/focus, #/clients, #/channels, #/stats,
// #/settings. Hash routing needs no server support and keeps the CSP simple.

export const screens = ['inbox', 'digests', 'focus', 'clients', 'channels', 'stats', 'settings'] as const;
export type Screen = (typeof screens)[number];

function parse(hash: string): { screen: Screen; id: number | null } {
  const [, name, id] = /^#\/([a-z]+)(?:\/(\d+))?/.exec(hash) ?? [];
  const screen = (screens as readonly string[]).includes(name ?? '') ? (name as Screen) : 'inbox';
  return { screen, id: id ? Number(id) : null };
}

export const route = $state(parse(typeof location === 'undefined' ? '' : location.hash));

export function startRouter() {
  const update = () => Object.assign(route, parse(location.hash));
  window.addEventListener('hashchange', update);
  return () => window.removeEventListener('hashchange', update);
}

export function go(screen: Screen, id?: number) {
  location.hash = id === undefined ? `#/${screen}` : `#/${screen}/${id}`;
}
