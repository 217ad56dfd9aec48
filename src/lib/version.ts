/** Cairn's release version; kept equal to package.json's (a test checks). */
export const CAIRN_VERSION = '0.1.0';

/** The Consul release whose HTTP API and behaviour Cairn matches, reported where clients read a Consul version. */
export const CONSUL_COMPATIBLE_VERSION = '1.18.0';

/** Serf/memberlist protocol versions: spoken by default, and the range understood. */
export const PROTOCOL_VERSION = { default: 2, min: 2, max: 3 } as const;
