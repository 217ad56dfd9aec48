/**
 * The UI's frame: the header with the main navigation and the datacenter switcher, the banner
 * shown while the agent does not answer, and the page of the current route.
 */

import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { CairnClient } from '../api-client/client.ts';
import { Empty, ErrorPanel, Link } from './components.tsx';
import { useAgentLost, usePoll } from './live.ts';
import { ClusterPage } from './pages/cluster.tsx';
import { KvEditPage } from './pages/kv-edit.tsx';
import { KvFolderPage } from './pages/kv-folder.tsx';
import { NodePage } from './pages/node.tsx';
import { NodesPage } from './pages/nodes.tsx';
import { ServicePage } from './pages/service.tsx';
import { ServicesPage } from './pages/services.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { inDatacenter, navigate, type Route, routeDatacenter, useRoute } from './router.ts';
import { ClientContext, makeClient, useToken } from './session.ts';

export function App() {
  const route = useRoute();
  const token = useToken();
  const agentClient = useMemo(() => makeClient(token, undefined), [token]);
  const self = usePoll((signal) => agentClient.agent.self({ signal }), 0, [agentClient]);
  const agentDc = self.value?.Config.Datacenter;
  const dc = routeDatacenter(route) ?? agentDc;
  const client = useMemo(() => makeClient(token, dc), [token, dc]);

  useEffect(() => {
    if (route.page === 'home' && agentDc !== undefined) {
      navigate({ page: 'services', dc: agentDc }, { replace: true });
    }
  }, [route, agentDc]);

  useEffect(() => {
    document.title = `${pageTitle(route)} · Cairn`;
  }, [route]);

  // Keyboard and screen-reader users land on the new page, not on the link they left.
  const main = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) firstRoute.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [route]);

  return (
    <ClientContext.Provider value={client}>
      {/* The fragment alone would resolve against <base href> and load the UI's root. */}
      <a
        class="skip"
        href={`${location.pathname}${location.search}#main`}
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <Link class="brand" to={{ page: 'home' }}>
          Cairn
        </Link>
        {dc === undefined ? null : <MainNav route={route} dc={dc} />}
        {dc === undefined ? null : <DatacenterSwitcher client={agentClient} route={route} dc={dc} />}
      </header>
      <ConnectionBanner />
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === 'home' && self.error && !self.value ? <ErrorPanel error={self.error} /> : null}
        <Page route={route} />
      </main>
    </ClientContext.Provider>
  );
}

function Page(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'home':
      return null;
    case 'services':
      return <ServicesPage dc={route.dc} />;
    case 'service':
      return <ServicePage dc={route.dc} name={route.name} />;
    case 'nodes':
      return <NodesPage dc={route.dc} />;
    case 'node':
      return <NodePage dc={route.dc} name={route.name} />;
    case 'kv-folder':
      return <KvFolderPage dc={route.dc} prefix={route.prefix} />;
    case 'kv-edit':
      return <KvEditPage dc={route.dc} keyName={route.key} />;
    case 'kv-create':
      return <KvEditPage dc={route.dc} createIn={route.prefix} />;
    case 'cluster':
      return <ClusterPage dc={route.dc} />;
    case 'settings':
      return <SettingsPage />;
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <Empty>
            There is no page at <code>{route.path}</code>.
          </Empty>
        </>
      );
  }
}

const sections = [
  {
    label: 'Services',
    pages: ['services', 'service'],
    to: (dc: string): Route => ({ page: 'services', dc }),
  },
  { label: 'Nodes', pages: ['nodes', 'node'], to: (dc: string): Route => ({ page: 'nodes', dc }) },
  {
    label: 'Key / Value',
    pages: ['kv-folder', 'kv-edit', 'kv-create'],
    to: (dc: string): Route => ({ page: 'kv-folder', dc, prefix: '' }),
  },
  { label: 'Cluster', pages: ['cluster'], to: (dc: string): Route => ({ page: 'cluster', dc }) },
  { label: 'Settings', pages: ['settings'], to: (): Route => ({ page: 'settings' }) },
] as const;

function MainNav(props: { route: Route; dc: string }) {
  return (
    <nav aria-label="Main">
      <ul>
        {sections.map((section) => {
          const current = (section.pages as readonly string[]).includes(props.route.page);
          return (
            <li key={section.label}>
              <Link to={section.to(props.dc)} aria-current={current ? 'page' : undefined}>
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** The datacenter name, or a switcher once the agent knows several. */
function DatacenterSwitcher(props: { client: CairnClient; route: Route; dc: string }) {
  const datacenters = usePoll((signal) => props.client.catalog.datacenters({ signal }), 60_000, [
    props.client,
  ]);
  const known = datacenters.value ?? [];
  if (known.length < 2) {
    return (
      <span class="dc" title="Datacenter">
        {props.dc}
      </span>
    );
  }
  const options = known.includes(props.dc) ? known : [props.dc, ...known];
  return (
    <label class="dc">
      <span class="visually-hidden">Datacenter</span>
      <select
        aria-label="Datacenter"
        value={props.dc}
        onChange={(event) => navigate(inDatacenter(props.route, event.currentTarget.value))}
      >
        {options.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function ConnectionBanner() {
  const lost = useAgentLost();
  if (!lost) return null;
  return (
    <div class="banner" role="alert" data-connection="lost">
      The connection to the agent is lost. Retrying; this page updates again when it answers.
    </div>
  );
}

function pageTitle(route: Route): string {
  switch (route.page) {
    case 'home':
      return 'Cairn';
    case 'services':
      return `Services · ${route.dc}`;
    case 'service':
      return `${route.name} · Services · ${route.dc}`;
    case 'nodes':
      return `Nodes · ${route.dc}`;
    case 'node':
      return `${route.name} · Nodes · ${route.dc}`;
    case 'kv-folder':
      return `${route.prefix || 'Key / Value'} · ${route.dc}`;
    case 'kv-edit':
      return `${route.key} · Key / Value · ${route.dc}`;
    case 'kv-create':
      return `New key · Key / Value · ${route.dc}`;
    case 'cluster':
      return `Cluster · ${route.dc}`;
    case 'settings':
      return 'Settings';
    case 'not-found':
      return 'Not found';
  }
}
