/** Cairn's release version; kept equal to package.json's (a test checks). */
export const CAIRN_VERSION = '0.1.0';

/** The Consul release whose HTTP API and behaviour Cairn matches, reported where clients read a Consul version. */
export const CONSUL_COMPATIBLE_VERSION = '1.18.0';

/** Consul's own protocol (serf tags `vsn`, `vsn_min`, `vsn_max`): spoken by default, and the range understood. */
export const PROTOCOL_VERSION = { default: 2, min: 2, max: 3 } as const;

/** memberlist's protocol (a member's `Protocol*`, the consul service's `serf_protocol_*`). */
export const MEMBERLIST_PROTOCOL = { current: 2, min: 1, max: 5 } as const;

/** serf's delegate protocol (a member's `Delegate*`). */
export const SERF_DELEGATE_PROTOCOL = { current: 4, min: 2, max: 5 } as const;

/** When this version was built, shown in the banner and `/v1/agent/self`. */
export const BUILD_DATE = '2026-11-21T00:00:00Z';
