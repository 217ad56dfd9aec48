import type { CatalogReader } from '../client/catalog-access.ts';
import type { Clock } from '../ports/clock.ts';
import type { Random } from '../ports/random.ts';
import { blockingQuery } from '../server/blocking-query.ts';
import { NoLeaderError } from '../server/consensus.ts';
import type { Server } from '../server/server.ts';

/** How long a remote alias check's blocking read waits before asking again (Consul's default wait). */
const ALIAS_WAIT_MS = 5 * 60_000;

/**
 * The local agent's reads of the catalog, served by this agent's own server: a leader read of
 * this node for anti-entropy (after a read barrier, as the HTTP API's default reads), and a
 * blocking read of another node's checks for alias checks. A client agent with no server
 * refuses both with "No cluster leader" until it can forward.
 */
export function serverCatalogReader(server: Server, clock: Clock, random: Random): CatalogReader {
  const leaderBarrier = async () => {
    if (server.consensus.status().leaderAddress === '') throw new NoLeaderError();
    await server.consensus.readBarrier();
  };
  return {
    async nodeState(node) {
      await leaderBarrier();
      const catalog = server.store.catalog;
      const entry = catalog.nodeServices(node).value;
      const strip = <T extends { CreateIndex: number; ModifyIndex: number }>({
        CreateIndex: _c,
        ModifyIndex: _m,
        ...rest
      }: T) => rest;
      return {
        node: entry === undefined ? undefined : strip(entry.node),
        services: entry?.services.map(strip) ?? [],
        checks: catalog.nodeChecks(node).value.map(strip),
      };
    },
    async nodeChecks(node, minIndex, signal) {
      await leaderBarrier();
      const result = await blockingQuery(
        { minIndex, waitMs: ALIAS_WAIT_MS, clock, random: () => random.next(), signal },
        () => server.store.catalog.nodeHealth(node),
      );
      return { ...result.value, index: result.index };
    },
  };
}
