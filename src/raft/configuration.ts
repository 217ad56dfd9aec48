import {
  type Configuration,
  type ConfigurationChange,
  ConfigurationChangeKind,
  type ServerId,
  Suffrage,
} from './types.ts';

/** Membership helpers: single-server changes in the hashicorp/raft vocabulary. */

export function voterIds(configuration: Configuration): ServerId[] {
  return configuration.servers.filter((server) => server.suffrage === Suffrage.voter).map((s) => s.id);
}

export function isVoter(configuration: Configuration, id: ServerId): boolean {
  return configuration.servers.some((server) => server.id === id && server.suffrage === Suffrage.voter);
}

export function hasServer(configuration: Configuration, id: ServerId): boolean {
  return configuration.servers.some((server) => server.id === id);
}

/**
 * The configuration after `change`, or a reason it is not a valid single-server change.
 * `addVoter` of a new server adds it as a non-voter: the leader promotes it once it has caught
 * up, so a new, empty server never stalls commits (hashicorp/raft's staging, thesis §4.2.1).
 */
export function applyConfigurationChange(
  configuration: Configuration,
  change: ConfigurationChange,
): Configuration | string {
  const existing = configuration.servers.find((server) => server.id === change.id);
  const others = configuration.servers.filter((server) => server.id !== change.id);
  switch (change.kind) {
    case ConfigurationChangeKind.addVoter:
    case ConfigurationChangeKind.addNonvoter: {
      const address = change.address ?? existing?.address;
      if (address === undefined || address === '') return `server ${change.id} needs an address`;
      if (existing !== undefined && existing.suffrage === Suffrage.voter) {
        if (change.kind === ConfigurationChangeKind.addNonvoter) {
          return `server ${change.id} is a voter; demote it instead`;
        }
        if (existing.address === address) return `server ${change.id} is already a voter`;
        return { servers: [...others, { ...existing, address }] };
      }
      const suffrage =
        existing === undefined || change.kind === ConfigurationChangeKind.addNonvoter
          ? Suffrage.nonvoter
          : Suffrage.voter;
      if (existing !== undefined && existing.address === address && existing.suffrage === suffrage) {
        return `server ${change.id} is already a non-voter`;
      }
      return { servers: [...others, { id: change.id, address, suffrage }] };
    }
    case ConfigurationChangeKind.demoteVoter: {
      if (existing?.suffrage !== Suffrage.voter) return `server ${change.id} is not a voter`;
      if (voterIds(configuration).length === 1) return 'cannot demote the last voter';
      return { servers: [...others, { ...existing, suffrage: Suffrage.nonvoter }] };
    }
    case ConfigurationChangeKind.removeServer: {
      if (existing === undefined) return `server ${change.id} is not in the configuration`;
      if (existing.suffrage === Suffrage.voter && voterIds(configuration).length === 1) {
        return 'cannot remove the last voter';
      }
      return { servers: others };
    }
  }
}
