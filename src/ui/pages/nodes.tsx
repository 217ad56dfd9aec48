/**
 * The nodes list (`<dc>/nodes`): every catalog node with the worst of all its checks, its
 * address and how many services and checks it has. Three blocking queries: the catalog's nodes,
 * every check (`/v1/health/state/any`), and the services summary, whose `Nodes` count a node's
 * services without a request per node.
 */

import {
  Badge,
  Empty,
  Link,
  LiveView,
  NoMatches,
  ResultCount,
  SearchField,
  SelectField,
} from '../components.tsx';
import { useWatch } from '../live.ts';
import { useClient } from '../session.ts';
import { livePair } from '../view/live-pair.ts';
import { filterNodes, type NodeFilter, type NodeRow, nodeRows, nodeStatuses } from '../view/nodes.ts';
import { oneOf } from '../view/query-state.ts';
import './page.css';
import './nodes.css';
import { useQueryState } from '../router.ts';

const filterKeys = ['search', 'status'] as const;

export function NodesPage(props: { dc: string }) {
  const client = useClient();
  const nodes = useWatch((options) => client.catalog.nodes(options), [client]);
  const checks = useWatch((options) => client.health.state('any', options), [client]);
  // Only for the counts: the list shows without it, with a dash, if it fails.
  const services = useWatch((options) => client.internal.uiServices(options), [client]);
  const [query, setQuery] = useQueryState(filterKeys);
  const filter: NodeFilter = { search: query.search, status: oneOf(query.status, nodeStatuses, '') };
  return (
    <>
      <h1>Nodes</h1>
      <LiveView live={livePair(nodes, checks)}>
        {([nodeList, checkList]) => (
          <NodeList
            dc={props.dc}
            rows={nodeRows(nodeList, checkList, services.value)}
            filter={filter}
            onFilter={setQuery}
          />
        )}
      </LiveView>
    </>
  );
}

const healthOptions = [
  ['', 'Any'],
  ['passing', 'Passing'],
  ['warning', 'Warning'],
  ['critical', 'Critical'],
  ['maintenance', 'Maintenance'],
] as const;

function NodeList(props: {
  dc: string;
  rows: NodeRow[];
  filter: NodeFilter;
  onFilter: (filter: NodeFilter) => void;
}) {
  const { dc, rows, filter, onFilter } = props;
  if (rows.length === 0) return <Empty>There are no nodes registered in {dc}.</Empty>;
  const shown = filterNodes(rows, filter);
  const filtered = filter.search !== '' || filter.status !== '';
  return (
    <>
      <div class="toolbar">
        <SearchField
          label="Search nodes"
          placeholder="Search by name or address"
          value={filter.search}
          onInput={(search) => onFilter({ ...filter, search })}
        />
        <SelectField
          label="Health"
          value={filter.status}
          options={healthOptions}
          onChange={(value) => onFilter({ ...filter, status: oneOf(value, nodeStatuses, '') })}
        />
        <ResultCount shown={shown.length} total={rows.length} filtered={filtered} noun={['node', 'nodes']} />
      </div>
      {shown.length === 0 ? (
        <NoMatches noun="nodes" onClear={() => onFilter({ search: '', status: '' })} />
      ) : (
        <table class="list nodes">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Health</th>
              <th scope="col">Address</th>
              <th scope="col">Services</th>
              <th scope="col">Checks</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.name} data-node={row.name}>
                <td class="name">
                  <Link to={{ page: 'node', dc, name: row.name }}>{row.name}</Link>
                </td>
                <td data-label="Health">
                  <Badge status={row.health} />
                </td>
                <td data-label="Address">
                  <code>{row.address}</code>
                </td>
                <td data-label="Services" class="number">
                  {row.serviceCount ?? <span class="muted">—</span>}
                </td>
                <td data-label="Checks" class="number">
                  {row.checkCount}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
