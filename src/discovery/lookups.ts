/**
 * Catalog lookups by the names and addresses DNS asks for, which Consul's catalog matches
 * without regard to case (its memdb indexes on names are lower-cased): service instances by
 * name, a node by name, and the reverse lookups of an address to a node or a service instance.
 */
import { ipBytes, sameBytes } from '../lib/ip-address.ts';
import type { CatalogNode } from '../model/records.ts';
import type { CheckServiceNode, ServiceNode } from '../state/catalog.ts';
import { Table } from '../state/context.ts';
import type { StateStore } from '../state/store.ts';

interface FoldedNames {
  servicesIndex: number;
  services: Map<string, string[]>;
  /** `instancesOf` answers by lower-cased name, emptied with `services`. */
  instances: Map<string, { index: number; instances: readonly CheckServiceNode[] }>;
  nodesIndex: number;
  nodes: Map<string, string[]>;
}

/** Lower-cased name → the names as registered, per store, rebuilt when the table's index moves. */
const folded = new WeakMap<StateStore, FoldedNames>();

function foldedNames(store: StateStore): FoldedNames {
  let names = folded.get(store);
  if (names === undefined) {
    names = {
      servicesIndex: -1,
      services: new Map(),
      instances: new Map(),
      nodesIndex: -1,
      nodes: new Map(),
    };
    folded.set(store, names);
  }
  const servicesIndex = store.index(Table.services);
  if (names.servicesIndex !== servicesIndex) {
    names.services = foldKeys(store.tables.serviceInstances.keys());
    names.instances = new Map();
    names.servicesIndex = servicesIndex;
  }
  const nodesIndex = store.index(Table.nodes);
  if (names.nodesIndex !== nodesIndex) {
    names.nodes = foldKeys(store.tables.nodes.keys());
    names.nodesIndex = nodesIndex;
  }
  return names;
}

function foldKeys(keys: Iterable<string>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const key of keys) {
    const lower = key.toLowerCase();
    const same = map.get(lower);
    if (same === undefined) map.set(lower, [key]);
    else same.push(key);
  }
  return map;
}

/**
 * Every instance of the services named `name` in any case, each with its node and checks. The
 * answer is kept per store and name until the service's index moves (any change to an instance,
 * its checks or its node moves it), so a DNS server answering the same names over and over joins
 * instances with their checks once per change, not once per query. Callers must not modify it.
 */
export function instancesOf(store: StateStore, name: string): readonly CheckServiceNode[] {
  const lower = name.toLowerCase();
  const folded = foldedNames(store);
  const names = folded.services.get(lower);
  if (names === undefined) return [];
  let index = 0;
  for (const each of names) index = Math.max(index, store.catalog.serviceVersion(each).index);
  const cached = folded.instances.get(lower);
  if (cached !== undefined && cached.index === index) return cached.instances;
  const instances =
    names.length === 1
      ? store.catalog.checkServiceNodes(names[0]!).value
      : names.flatMap((each) => store.catalog.checkServiceNodes(each).value);
  folded.instances.set(lower, { index, instances });
  return instances;
}

/** The node named `name` in any case (the exact spelling first). */
export function nodeNamed(store: StateStore, name: string): CatalogNode | undefined {
  const exact = store.tables.nodes.get(name);
  if (exact !== undefined) return exact;
  const names = foldedNames(store).nodes.get(name.toLowerCase());
  return names === undefined ? undefined : store.tables.nodes.get(names[0]!);
}

/** Whether `text` is an IP literal for the address `ip` (`::1` and `0::1` are the same). */
function isAddress(text: string, ip: Uint8Array): boolean {
  if (text === '') return false;
  const bytes = ipBytes(text);
  return bytes !== undefined && sameBytes(bytes, ip);
}

/** The first node, by name, whose address is `ip`: Consul's reverse lookup of a node. */
export function nodeAt(store: StateStore, ip: Uint8Array): CatalogNode | undefined {
  for (const node of store.tables.nodes.values()) if (isAddress(node.Address, ip)) return node;
  return undefined;
}

/** The first service instance, by service name then node, whose own address is `ip`. */
export function serviceAt(store: StateStore, ip: Uint8Array): ServiceNode | undefined {
  const names = [...store.tables.serviceInstances.keys()].sort();
  for (const name of names) {
    for (const instance of store.tables.serviceInstances.get(name)!.values()) {
      if (isAddress(instance.service.Address, ip)) {
        return { node: store.tables.nodes.get(instance.node)!, service: instance.service };
      }
    }
  }
  return undefined;
}
