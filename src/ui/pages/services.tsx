/**
 * The services list (`<dc>/services`): every service with its aggregated health, check counts,
 * instance count and tags, from Consul's `/v1/internal/ui/services`, followed live. The toolbar
 * filters by text, health and tag; the filters live in the URL query so a view can be bookmarked.
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
  Tags,
} from '../components.tsx';
import { useWatch } from '../live.ts';
import { useQueryState } from '../router.ts';
import { useClient } from '../session.ts';
import { oneOf } from '../view/query-state.ts';
import {
  filterServices,
  type ServiceFilter,
  type ServiceRow,
  serviceHealth,
  serviceSorts,
  serviceStatuses,
  tagUnion,
} from '../view/services.ts';
import './page.css';
import './services.css';

const filterKeys = ['search', 'status', 'tag', 'sort'] as const;

export function ServicesPage(props: { dc: string }) {
  const client = useClient();
  const live = useWatch((options) => client.internal.uiServices(options), [client]);
  const [query, setQuery] = useQueryState(filterKeys);
  const filter: ServiceFilter = {
    search: query.search,
    status: oneOf(query.status, serviceStatuses, ''),
    tag: query.tag,
    sort: oneOf(query.sort, serviceSorts, 'name'),
  };
  // The default order stays out of the URL.
  const setFilter = (next: ServiceFilter) =>
    setQuery({ ...next, sort: next.sort === 'name' ? '' : next.sort });
  return (
    <>
      <h1>Services</h1>
      <LiveView live={live}>
        {(services) => <ServiceList dc={props.dc} services={services} filter={filter} onFilter={setFilter} />}
      </LiveView>
    </>
  );
}

const healthOptions = [
  ['', 'Any'],
  ['passing', 'Passing'],
  ['warning', 'Warning'],
  ['critical', 'Critical'],
] as const;

const sortOptions = [
  ['name', 'Name A–Z'],
  ['name-desc', 'Name Z–A'],
  ['health', 'Unhealthy first'],
] as const;

function ServiceList(props: {
  dc: string;
  services: readonly ServiceRow[];
  filter: ServiceFilter;
  onFilter: (filter: ServiceFilter) => void;
}) {
  const { dc, services, filter, onFilter } = props;
  if (services.length === 0) {
    return <Empty>There are no services registered in {dc}.</Empty>;
  }
  const tags = tagUnion(services);
  // A tag from the URL that no service has any more stays selectable, so the select shows the truth.
  if (filter.tag !== '' && !tags.includes(filter.tag)) tags.unshift(filter.tag);
  const shown = filterServices(services, filter);
  const filtered = filter.search !== '' || filter.status !== '' || filter.tag !== '';
  return (
    <>
      <div class="toolbar">
        <SearchField
          label="Search services"
          placeholder="Search by name or tag"
          value={filter.search}
          onInput={(search) => onFilter({ ...filter, search })}
        />
        <SelectField
          label="Health"
          value={filter.status}
          options={healthOptions}
          onChange={(value) => onFilter({ ...filter, status: oneOf(value, serviceStatuses, '') })}
        />
        <SelectField
          label="Tag"
          value={filter.tag}
          options={[['', 'Any'], ...tags.map((tag) => [tag, tag] as const)]}
          onChange={(tag) => onFilter({ ...filter, tag })}
        />
        <SelectField
          label="Sort"
          value={filter.sort}
          options={sortOptions}
          onChange={(value) => onFilter({ ...filter, sort: oneOf(value, serviceSorts, 'name') })}
        />
        <ResultCount
          shown={shown.length}
          total={services.length}
          filtered={filtered}
          noun={['service', 'services']}
        />
      </div>
      {shown.length === 0 ? (
        <NoMatches noun="services" onClear={() => onFilter({ ...filter, search: '', status: '', tag: '' })} />
      ) : (
        <table class="list services">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Health</th>
              <th scope="col">Checks</th>
              <th scope="col">Instances</th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((service) => (
              <ServiceRowView key={service.Name} dc={dc} service={service} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ServiceRowView(props: { dc: string; service: ServiceRow & { Kind?: string } }) {
  const { service } = props;
  return (
    <tr data-service={service.Name}>
      <td class="name">
        <Link to={{ page: 'service', dc: props.dc, name: service.Name }}>{service.Name}</Link>
        {service.Kind ? <span class="kind">{service.Kind}</span> : null}
      </td>
      <td data-label="Health">
        <Badge status={serviceHealth(service)} />
      </td>
      <td data-label="Checks">
        <CheckCounts service={service} />
      </td>
      <td data-label="Instances" class="number">
        {service.InstanceCount}
      </td>
      <td data-label="Tags">
        <Tags tags={service.Tags} />
      </td>
    </tr>
  );
}

function CheckCounts(props: { service: ServiceRow }) {
  const { ChecksPassing, ChecksWarning, ChecksCritical } = props.service;
  if (ChecksPassing + ChecksWarning + ChecksCritical === 0) return <span class="muted">no checks</span>;
  return (
    <span class="counts">
      {ChecksPassing > 0 ? <Badge status="passing" label={`${ChecksPassing} passing`} /> : null}
      {ChecksWarning > 0 ? <Badge status="warning" label={`${ChecksWarning} warning`} /> : null}
      {ChecksCritical > 0 ? <Badge status="critical" label={`${ChecksCritical} critical`} /> : null}
    </span>
  );
}
