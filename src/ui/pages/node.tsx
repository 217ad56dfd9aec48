/**
 * A node (`<dc>/nodes/<node>`): its addresses and meta, every check on it, its service instances
 * and the sessions held on it, each followed live (`/v1/catalog/node`, `/v1/health/node`,
 * `/v1/session/node`). A session can be invalidated, as in Consul's UI.
 */

import { useState } from 'preact/hooks';
import type { Session } from '../../model/records.ts';
import {
  Badge,
  Breadcrumbs,
  ConfirmDialog,
  Empty,
  ErrorPanel,
  Link,
  LiveView,
  MetaList,
  Tags,
} from '../components.tsx';
import { worstHealth } from '../health.ts';
import { useWatch, write } from '../live.ts';
import { useClient } from '../session.ts';
import { sortChecks } from '../view/checks.ts';
import { formatNanoseconds, nodeServiceViews, sessionCheckIds } from '../view/node.ts';
import { instanceAddress } from '../view/service.ts';
import { CheckList } from './service.tsx';
import './page.css';
import './node.css';

export function NodePage(props: { dc: string; name: string }) {
  const { dc, name } = props;
  const client = useClient();
  const catalog = useWatch((options) => client.catalog.node(name, options), [client, name]);
  const checks = useWatch((options) => client.health.node(name, options), [client, name]);
  const known = catalog.value !== undefined && catalog.value !== null;
  return (
    <>
      <Breadcrumbs trail={[{ label: 'Nodes', to: { page: 'nodes', dc } }]} current={name} />
      <div class="page-head">
        <h1>{name}</h1>
        {known && checks.value ? <Badge status={worstHealth(checks.value)} /> : null}
      </div>
      <LiveView live={catalog}>
        {(info) =>
          info === null ? (
            <Empty>
              There is no node named <strong>{name}</strong> in {dc}. This page updates when one registers.
            </Empty>
          ) : (
            <>
              <section class="panel node-facts" aria-label="Node">
                <dl class="facts">
                  <div>
                    <dt>Address</dt>
                    <dd>
                      <code>{info.Node.Address}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>Datacenter</dt>
                    <dd>{info.Node.Datacenter || dc}</dd>
                  </div>
                  <div>
                    <dt>Node ID</dt>
                    <dd>{info.Node.ID ? <code>{info.Node.ID}</code> : <span class="muted">—</span>}</dd>
                  </div>
                  <div>
                    <dt>Tagged addresses</dt>
                    <dd>
                      <MetaList meta={info.Node.TaggedAddresses} label="Tagged addresses" />
                    </dd>
                  </div>
                  <div>
                    <dt>Meta</dt>
                    <dd>
                      <MetaList meta={info.Node.Meta} label="Node metadata" />
                    </dd>
                  </div>
                </dl>
              </section>

              <section aria-labelledby="checks-title">
                <h2 id="checks-title">Health checks</h2>
                <LiveView live={checks}>
                  {(list) => <CheckList checks={sortChecks(list)} label={`Checks on ${name}`} />}
                </LiveView>
              </section>

              <section aria-labelledby="services-title">
                <h2 id="services-title">Service instances</h2>
                <ServiceInstances
                  dc={dc}
                  nodeAddress={info.Node.Address}
                  services={info.Services}
                  checks={checks.value ?? null}
                />
              </section>

              <section aria-labelledby="sessions-title">
                <h2 id="sessions-title">Lock sessions</h2>
                <Sessions node={name} />
              </section>
            </>
          )
        }
      </LiveView>
    </>
  );
}

function ServiceInstances(props: {
  dc: string;
  nodeAddress: string;
  services: Parameters<typeof nodeServiceViews>[0];
  checks: Parameters<typeof nodeServiceViews>[1];
}) {
  const views = nodeServiceViews(props.services, props.checks);
  if (views.length === 0) return <Empty>No services are registered on this node.</Empty>;
  return (
    <table class="list node-services">
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Instance ID</th>
          <th scope="col">Health</th>
          <th scope="col">Address</th>
          <th scope="col">Tags</th>
        </tr>
      </thead>
      <tbody>
        {views.map(({ service, checks, health }) => (
          <tr key={service.ID} data-service-instance={service.ID}>
            <td class="name">
              <Link to={{ page: 'service', dc: props.dc, name: service.Service }}>{service.Service}</Link>
            </td>
            <td data-label="ID">
              <code>{service.ID}</code>
            </td>
            <td data-label="Health">
              {props.checks === null ? (
                <span class="muted">…</span>
              ) : (
                <>
                  <Badge status={health} />{' '}
                  <span class="muted check-count">
                    {checks.length} {checks.length === 1 ? 'check' : 'checks'}
                  </span>
                </>
              )}
            </td>
            <td data-label="Address">
              <code>{instanceAddress({ Node: { Address: props.nodeAddress }, Service: service })}</code>
            </td>
            <td data-label="Tags">
              <Tags tags={service.Tags} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Sessions(props: { node: string }) {
  const client = useClient();
  const live = useWatch((options) => client.session.node(props.node, options), [client, props.node]);
  const [confirming, setConfirming] = useState<Session | undefined>(undefined);
  const [failure, setFailure] = useState<Error | undefined>(undefined);
  const invalidate = async (session: Session) => {
    setConfirming(undefined);
    try {
      await write(() => client.session.destroy(session.ID));
      setFailure(undefined);
    } catch (error) {
      setFailure(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return (
    <LiveView live={live}>
      {(sessions) => (
        <>
          {failure ? <ErrorPanel error={failure} title="The session was not invalidated" /> : null}
          {(sessions ?? []).length === 0 ? (
            <Empty>No sessions are held on this node.</Empty>
          ) : (
            <table class="list sessions">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">ID</th>
                  <th scope="col">Behavior</th>
                  <th scope="col">TTL</th>
                  <th scope="col">Lock delay</th>
                  <th scope="col">Checks</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((session) => (
                  <tr key={session.ID} data-session={session.ID}>
                    <td class="name">{session.Name || <span class="muted">(unnamed)</span>}</td>
                    <td data-label="ID">
                      <code class="session-id">{session.ID}</code>
                    </td>
                    <td data-label="Behavior">{session.Behavior}</td>
                    <td data-label="TTL">{session.TTL || <span class="muted">—</span>}</td>
                    <td data-label="Lock delay">{formatNanoseconds(session.LockDelay)}</td>
                    <td data-label="Checks">
                      <Tags tags={sessionCheckIds(session)} />
                    </td>
                    <td>
                      <button type="button" class="danger" onClick={() => setConfirming(session)}>
                        Invalidate
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ConfirmDialog
            open={confirming !== undefined}
            title="Invalidate this session?"
            confirmLabel="Invalidate"
            onConfirm={() => confirming && void invalidate(confirming)}
            onCancel={() => setConfirming(undefined)}
          >
            <p>
              Invalidating <code>{confirming?.Name || confirming?.ID}</code> releases the locks it holds, or
              deletes their keys if its behavior is <code>delete</code>.
            </p>
          </ConfirmDialog>
        </>
      )}
    </LiveView>
  );
}
