/**
 * A service (`<dc>/services/<name>`): every instance with its node, address, tags, meta and
 * checks (the node's and its own), from `/v1/health/service/<name>`, followed live.
 * `CheckList` is shared with the node page.
 */

import type { HealthCheck } from '../../model/records.ts';
import { Badge, Breadcrumbs, Empty, Link, LiveView, MetaList, Tags } from '../components.tsx';
import { checkHealth } from '../health.ts';
import { useWatch } from '../live.ts';
import { useClient } from '../session.ts';
import { checkType, isNodeCheck } from '../view/checks.ts';
import { type InstanceView, instanceTags, instanceViews, serviceWorstHealth } from '../view/service.ts';
import './page.css';
import './service.css';

export function ServicePage(props: { dc: string; name: string }) {
  const { dc, name } = props;
  const client = useClient();
  const live = useWatch((options) => client.health.service(name, options), [client, name]);
  const instances = live.value === undefined ? undefined : instanceViews(live.value);
  return (
    <>
      <Breadcrumbs trail={[{ label: 'Services', to: { page: 'services', dc } }]} current={name} />
      <div class="page-head">
        <h1>{name}</h1>
        {instances && instances.length > 0 ? <Badge status={serviceWorstHealth(instances)} /> : null}
      </div>
      {instances && instances.length > 0 ? (
        <div class="page-tags">
          <Tags tags={instanceTags(instances)} />
        </div>
      ) : null}
      <LiveView live={live}>
        {() =>
          instances === undefined || instances.length === 0 ? (
            <Empty>
              There are no instances of <strong>{name}</strong> in {dc}. This page updates when one registers.
            </Empty>
          ) : (
            <section aria-labelledby="instances-title">
              <h2 id="instances-title">
                {instances.length} {instances.length === 1 ? 'instance' : 'instances'}
              </h2>
              {instances.map((instance) => (
                <Instance key={instance.key} dc={dc} instance={instance} />
              ))}
            </section>
          )
        }
      </LiveView>
    </>
  );
}

function Instance(props: { dc: string; instance: InstanceView }) {
  const { entry, health, checks, address } = props.instance;
  const service = entry.Service;
  const node = entry.Node?.Node ?? '';
  const titleId = `instance-${props.instance.key}`;
  return (
    <section class="panel instance" data-instance={service.ID} aria-labelledby={titleId}>
      <header class="instance-head">
        <h3 id={titleId}>{service.ID}</h3>
        <Badge status={health} />
      </header>
      <dl class="facts">
        <div>
          <dt>Node</dt>
          <dd>{node ? <Link to={{ page: 'node', dc: props.dc, name: node }}>{node}</Link> : '—'}</dd>
        </div>
        <div>
          <dt>Address</dt>
          <dd>{address ? <code>{address}</code> : <span class="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            <Tags tags={service.Tags} />
          </dd>
        </div>
        <div>
          <dt>Meta</dt>
          <dd>
            <MetaList meta={service.Meta} label={`Metadata of ${service.ID}`} />
          </dd>
        </div>
      </dl>
      <CheckList checks={checks} label={`Checks of ${service.ID} on ${node}`} />
    </section>
  );
}

/** Checks as cards: name, badge, type, whose check it is, notes and output. */
export function CheckList(props: { checks: readonly HealthCheck[]; label: string }) {
  if (props.checks.length === 0) return <p class="muted no-checks">No health checks.</p>;
  return (
    <ul class="checks" aria-label={props.label}>
      {props.checks.map((check) => (
        <CheckItem key={`${check.ServiceID}/${check.CheckID}`} check={check} />
      ))}
    </ul>
  );
}

function CheckItem(props: { check: HealthCheck }) {
  const { check } = props;
  const health = checkHealth(check);
  const type = checkType(check);
  return (
    <li class="check" data-check={check.CheckID} data-status={health}>
      <div class="check-head">
        <span class="check-name">{check.Name || check.CheckID}</span>
        <Badge status={health} />
      </div>
      <p class="check-facts">
        <span>
          {isNodeCheck(check) ? 'Node check' : `Service check (${check.ServiceName || check.ServiceID})`}
        </span>
        {type ? <span>Type: {type}</span> : null}
        <span>
          ID: <code>{check.CheckID}</code>
        </span>
      </p>
      {check.Notes ? <p class="check-notes">{check.Notes}</p> : null}
      {check.Output ? (
        // A scrollable <pre> is keyboard-focusable in Chromium without a tabindex.
        <pre class="check-output">{check.Output}</pre>
      ) : (
        <p class="muted check-output-none">No output.</p>
      )}
    </li>
  );
}
