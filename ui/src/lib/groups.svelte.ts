// The groups' names, worded: a client or a platform by its name, unknown people together.
import { t } from './i18n/index.svelte';
import type { Group } from './groups';

export { groupMessages, type Group } from './groups';

export function groupLabel(g: Group): string {
  return g.kind === 'direct' ? t('groups.direct') : g.name;
}
