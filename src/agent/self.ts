import { formatGoDuration } from '../lib/duration.ts';
import { BUILD_DATE, CAIRN_VERSION, CONSUL_COMPATIBLE_VERSION, PROTOCOL_VERSION } from '../lib/version.ts';
import type { Member } from '../model/records.ts';
import type { ConsensusStatus } from '../server/consensus.ts';
import type { RuntimeConfig } from './config.ts';

/** Who this agent is, resolved at start. */
export interface AgentIdentity {
  nodeId: string;
  nodeName: string;
  /** Address advertised to the cluster. */
  advertiseAddress: string;
}

/** The serf tags a Consul agent gossips about itself (`agent/consul/server_serf.go`). */
export function memberTags(
  config: RuntimeConfig,
  identity: AgentIdentity,
  wan: boolean,
): Record<string, string> {
  const tags: Record<string, string> = {
    role: config.server ? 'consul' : 'node',
    dc: config.datacenter,
    segment: '',
    id: identity.nodeId,
    vsn: String(PROTOCOL_VERSION.default),
    vsn_min: String(PROTOCOL_VERSION.min),
    vsn_max: String(PROTOCOL_VERSION.max),
    build: `${CONSUL_COMPATIBLE_VERSION}:cairn-${CAIRN_VERSION}`,
    ft_fs: '1',
    ft_si: '1',
  };
  if (config.server) {
    Object.assign(tags, {
      port: String(config.ports.server),
      raft_vsn: '3',
      expect: String(config.bootstrapExpect),
      acls: '0',
    });
    if (config.bootstrap) tags.bootstrap = '1';
    if (!wan) tags.wan_join_port = String(config.ports.serfWan);
  }
  return tags;
}

const stringValues = (record: Record<string, string | number | boolean>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));

/** What the gossip pools say about this agent in `/v1/agent/self`. */
export interface SelfGossip {
  /** This agent in the LAN pool. */
  member: Member;
  /** `Stats.serf_lan`, and `Stats.serf_wan` on a server. */
  serfLan: Record<string, string>;
  serfWan?: Record<string, string> | undefined;
}

/**
 * `/v1/agent/self`. python-consul asserts the top-level keys are exactly these six, and that
 * `Member` equals the single `/v1/agent/members` entry; `Stats` values are strings as in Consul.
 */
export function selfBody(
  config: RuntimeConfig,
  identity: AgentIdentity,
  raft: ConsensusStatus,
  counts: { services: number; checks: number; ttlChecks: number },
  gossip: SelfGossip,
): Record<string, unknown> {
  return {
    Config: {
      Datacenter: config.datacenter,
      PrimaryDatacenter: config.primaryDatacenter || config.datacenter,
      NodeName: identity.nodeName,
      NodeID: identity.nodeId,
      Revision: 'cairn',
      Server: config.server,
      Version: CONSUL_COMPATIBLE_VERSION,
      BuildDate: BUILD_DATE,
      SessionTTLMin: formatGoDuration(config.sessionTtlMinNs),
    },
    DebugConfig: {
      Datacenter: config.datacenter,
      NodeName: identity.nodeName,
      NodeID: identity.nodeId,
      ServerMode: config.server,
      Bootstrap: config.bootstrap,
      BootstrapExpect: config.bootstrapExpect,
      DevMode: config.dev,
      DataDir: config.dataDir,
      ClientAddrs: config.clientAddr.split(/\s+/).filter(Boolean),
      BindAddr: config.bindAddr,
      AdvertiseAddrLAN: identity.advertiseAddress,
      HTTPPort: config.ports.http,
      DNSPort: config.ports.dns,
      ServerPort: config.ports.server,
      SerfPortLAN: config.ports.serfLan,
      SerfPortWAN: config.ports.serfWan,
      EnableScriptChecks: config.enableScriptChecks,
      SessionTTLMin: formatGoDuration(config.sessionTtlMinNs),
      ACLsEnabled: config.acl.enabled,
      Version: CAIRN_VERSION,
    },
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: gossip.member,
    Stats: {
      agent: stringValues({
        check_monitors: 0,
        check_ttls: counts.ttlChecks,
        checks: counts.checks,
        services: counts.services,
      }),
      build: stringValues({
        prerelease: '',
        revision: 'cairn',
        version: CONSUL_COMPATIBLE_VERSION,
        cairn_version: CAIRN_VERSION,
      }),
      consul: stringValues({
        bootstrap: config.bootstrap,
        known_datacenters: 1,
        leader: raft.role === 'leader',
        leader_addr: raft.leaderAddress,
        server: config.server,
      }),
      raft: stringValues({
        state: raft.role === 'leader' ? 'Leader' : raft.role === 'candidate' ? 'Candidate' : 'Follower',
        term: raft.term,
        commit_index: raft.commitIndex,
        applied_index: raft.appliedIndex,
        last_log_index: raft.lastLogIndex,
        last_contact: raft.role === 'leader' ? 0 : `${raft.lastContactMs}ms`,
        num_peers: 0,
        protocol_version: 3,
      }),
      runtime: stringValues({ os: 'linux', arch: 'x64', version: 'node' }),
      serf_lan: gossip.serfLan,
      ...(gossip.serfWan === undefined ? {} : { serf_wan: gossip.serfWan }),
    },
    Meta: {},
  };
}
