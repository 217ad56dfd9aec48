/**
 * The payload of a Consul user event (`consul event`, `/v1/event/fire`), carried in a serf user
 * event named `consul:event:<name>`. Consul encodes its `UserEvent` struct with the codec tags
 * `ID`, `n`, `p,omitempty`, `nf,omitempty`, `sf,omitempty`, `tf,omitempty`, `v` (LTime is
 * `codec:"-"`: it comes from the serf event), through a msgpack handle with `WriteExt: true`,
 * so strings of 32–255 bytes are str8 and the payload is bin (hashicorp/consul agent/user_event.go).
 */
import type { UserEvent } from '../model/records.ts';
import { MsgpackReader, MsgpackWriter } from './msgpack.ts';

/** msgpack bytes of `event` as Consul writes them; `LTime` is not part of the payload. */
export function encodeConsulUserEvent(event: UserEvent): Uint8Array {
  const payload = event.Payload !== null && event.Payload.length > 0 ? event.Payload : null;
  const fields =
    4 +
    (event.NodeFilter !== '' ? 1 : 0) +
    (event.ServiceFilter !== '' ? 1 : 0) +
    (event.TagFilter !== '' ? 1 : 0);
  const writer = new MsgpackWriter({ writeExt: true });
  // Keys in byte-wise order of their codec names: ID < n < nf < p < sf < tf < v.
  writer.mapHeader(fields - (payload === null ? 1 : 0));
  writer.str('ID').str(event.ID);
  writer.str('n').str(event.Name);
  if (event.NodeFilter !== '') writer.str('nf').str(event.NodeFilter);
  if (payload !== null) writer.str('p').bytes(payload);
  if (event.ServiceFilter !== '') writer.str('sf').str(event.ServiceFilter);
  if (event.TagFilter !== '') writer.str('tf').str(event.TagFilter);
  writer.str('v').int(event.Version);
  return writer.finish();
}

/** The event in a serf payload; `LTime` is `lTime` (the serf event's). Throws GossipDecodeError. */
export function decodeConsulUserEvent(bytes: Uint8Array, lTime = 0): UserEvent {
  const event: UserEvent = {
    ID: '',
    Name: '',
    Payload: null,
    NodeFilter: '',
    ServiceFilter: '',
    TagFilter: '',
    Version: 0,
    LTime: lTime,
  };
  const reader = new MsgpackReader(bytes);
  reader.struct((name) => {
    switch (name) {
      case 'ID':
        event.ID = reader.string();
        return true;
      case 'n':
        event.Name = reader.string();
        return true;
      case 'p':
        event.Payload = reader.bytesOrNull();
        return true;
      case 'nf':
        event.NodeFilter = reader.string();
        return true;
      case 'sf':
        event.ServiceFilter = reader.string();
        return true;
      case 'tf':
        event.TagFilter = reader.string();
        return true;
      case 'v':
        event.Version = reader.int();
        return true;
    }
    return false;
  });
  return event;
}
