/**
 * The cluster (`<dc>/cluster`): the datacenter's Raft servers and leader, the gossip members the
 * serving agent sees, and the known datacenters. These endpoints cannot block, so the page asks
 * again every 5 s.
 */

import type { RaftConfiguration } from '../../api-client/client.ts';
import { Badge, Empty, Link, LiveView } from '../components.tsx';
import { usePoll } from '../live.ts';
import { useClient } from '../session.ts';
import { memberViews, sortRaftServers } from '../view/cluster.ts';
import './page.css';
import './cluster.css';

const REFRESH_MS = 5_000;

export function ClusterPage(props: { dc: string }) {
  const { dc } = props;
  const client = useClient();
  const raft = usePoll(
    async (signal) => {
      const [configuration, leader] = await Promise.all([
        client.operator.raftConfiguration({ signal }),
        client.status.leader({ signal }),
      ]);
      return { configuration, leader };
    },
    REFRESH_MS,
    [client],
  );
  const members = usePoll((signal) => client.agent.members({ signal }), REFRESH_MS, [client]);
  const datacenters = usePoll((signal) => client.catalog.datacenters({ signal }), 60_000, [client]);

  return (
    <>
      <h1>Cluster</h1>
      <Summary dc={dc} raft={raft.value} />
      <section aria-labelledby="raft-title">
        <h2 id="raft-title">Raft servers</h2>
        <LiveView live={raft}>
          {({ configuration }) => {
            const servers = sortRaftServers(configuration.Servers);
            return (
              <>
                {servers.length === 0 ? (
                  <Empty>The Raft configuration lists no servers.</Empty>
                ) : (
                  <table class="list raft">
                    <thead>
                      <tr>
                        <th scope="col">Node</th>
                        <th scope="col">Address</th>
                        <th scope="col">Role</th>
                        <th scope="col">Voter</th>
                        <th scope="col">ID</th>
                      </tr>
                    </thead>
                    <tbody>
                      {servers.map((server) => (
                        <tr key={server.ID} data-raft-server={server.Node}>
                          <td class="name">
                            <Link to={{ page: 'node', dc, name: server.Node }}>{server.Node}</Link>
                          </td>
                          <td data-label="Address">
                            <code>{server.Address}</code>
                          </td>
                          <td data-label="Role">
                            {server.Leader ? <strong class="leader">Leader</strong> : 'Follower'}
                          </td>
                          <td data-label="Voter">{server.Voter ? 'yes' : 'no'}</td>
                          <td data-label="ID">
                            <code class="raft-id">{server.ID}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            );
          }}
        </LiveView>
      </section>

      <section aria-labelledby="members-title">
        <h2 id="members-title">Gossip members</h2>
        <p class="muted caption">The LAN pool as the agent serving this page sees it.</p>
        <LiveView live={members}>
          {(list) => {
            const views = memberViews(list);
            if (views.length === 0) return <Empty>The agent knows no members.</Empty>;
            return (
              <table class="list members">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Address</th>
                    <th scope="col">Status</th>
                    <th scope="col">Role</th>
                    <th scope="col">Datacenter</th>
                    <th scope="col">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {views.map((member) => (
                    <tr key={member.name} data-member={member.name}>
                      <td class="name">{member.name}</td>
                      <td data-label="Address">
                        <code>{member.address}</code>
                      </td>
                      <td data-label="Status">
                        <Badge status={member.status.badge} label={member.status.word} />
                      </td>
                      <td data-label="Role">{member.role || <span class="muted">—</span>}</td>
                      <td data-label="Datacenter">{member.datacenter || <span class="muted">—</span>}</td>
                      <td data-label="Version">
                        {member.version ? <code>{member.version}</code> : <span class="muted">—</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </LiveView>
      </section>

      <section aria-labelledby="datacenters-title">
        <h2 id="datacenters-title">Datacenters</h2>
        <LiveView live={datacenters}>
          {(names) =>
            (names ?? []).length === 0 ? (
              <Empty>No datacenters are known.</Empty>
            ) : (
              <ul class="datacenters">
                {names.map((name) => (
                  <li key={name}>
                    <Link to={{ page: 'cluster', dc: name }} aria-current={name === dc ? 'page' : undefined}>
                      {name}
                    </Link>
                  </li>
                ))}
              </ul>
            )
          }
        </LiveView>
      </section>
    </>
  );
}

/** The datacenter always; leader and server counts once the Raft configuration answered. */
function Summary(props: {
  dc: string;
  raft: { configuration: RaftConfiguration; leader: string } | undefined;
}) {
  const { raft } = props;
  const servers = raft?.configuration.Servers ?? [];
  const leaderServer = servers.find((server) => server.Leader);
  return (
    <dl class="facts panel cluster-summary">
      <div>
        <dt>Datacenter</dt>
        <dd>{props.dc}</dd>
      </div>
      <div>
        <dt>Leader</dt>
        <dd>
          {raft === undefined ? (
            <span class="muted">…</span>
          ) : raft.leader ? (
            <>
              <code>{raft.leader}</code>
              {leaderServer ? <span class="muted"> ({leaderServer.Node})</span> : null}
            </>
          ) : (
            <Badge status="critical" label="No leader" />
          )}
        </dd>
      </div>
      <div>
        <dt>Raft servers</dt>
        <dd>
          {raft === undefined ? (
            <span class="muted">…</span>
          ) : (
            `${servers.length} (${servers.filter((server) => server.Voter).length} voting)`
          )}
        </dd>
      </div>
    </dl>
  );
}
