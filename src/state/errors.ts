/**
 * An operating error raised while applying a write: the request was well formed but the state
 * does not allow it (a missing node, an unknown session). The message is Consul's, since clients
 * match on it (Patroni looks for `invalid session`); the HTTP layer answers 500 with it.
 */
export class StateError extends Error {
  override name = 'StateError';
}
