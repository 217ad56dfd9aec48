/** What both KV pages show: the trail of folders above the page. */

import { Link } from '../components.tsx';
import { breadcrumbs } from '../kv/keys.ts';

/** Links to the root and to every folder holding `path` (a folder's own name is left out). */
export function KvBreadcrumbs(props: { dc: string; path: string; includeLast?: boolean }) {
  const crumbs = breadcrumbs(props.path);
  const shown = props.path.endsWith('/') && !props.includeLast ? crumbs.slice(0, -1) : crumbs;
  return (
    <nav aria-label="Breadcrumb">
      <ol class="breadcrumbs">
        <li>
          <Link to={{ page: 'kv-folder', dc: props.dc, prefix: '' }}>Key / Value</Link>
        </li>
        {shown.map((crumb) => (
          <li key={crumb.prefix}>
            <Link to={{ page: 'kv-folder', dc: props.dc, prefix: crumb.prefix }}>
              {folderLabel(crumb.name)}
            </Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A folder segment without its slash; the separators are drawn between crumbs. */
function folderLabel(name: string): string {
  return name === '/' ? '(empty)' : name.slice(0, -1);
}
