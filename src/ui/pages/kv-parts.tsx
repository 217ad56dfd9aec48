/** What both KV pages show: the trail of folders above the page. */

import { Breadcrumbs } from '../components.tsx';
import { breadcrumbs } from '../kv/keys.ts';

/** Links to the root and to every folder holding `path` (a folder's own name is left out). */
export function KvBreadcrumbs(props: { dc: string; path: string; includeLast?: boolean }) {
  const crumbs = breadcrumbs(props.path);
  const shown = props.path.endsWith('/') && !props.includeLast ? crumbs.slice(0, -1) : crumbs;
  const trail = [
    { label: 'Key / Value', to: { page: 'kv-folder', dc: props.dc, prefix: '' } as const },
    ...shown.map((crumb) => ({
      label: folderLabel(crumb.name),
      to: { page: 'kv-folder', dc: props.dc, prefix: crumb.prefix } as const,
    })),
  ];
  return <Breadcrumbs trail={trail} />;
}

/** A folder segment without its slash; the separators are drawn between crumbs. */
function folderLabel(name: string): string {
  return name === '/' ? '(empty)' : name.slice(0, -1);
}
