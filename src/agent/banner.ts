/**
 * The text an agent prints as it starts, in the layout of Consul's (`command/agent/agent.go`):
 * "==> " headlines and an indented block of labels right-aligned on the colon. People and
 * scripts that watch a Consul agent start read this, so the labels and value formats follow
 * Consul's (Go's `%v` of a list of addresses is `[a b]`).
 */
import type { RuntimeConfig } from './config.ts';

export interface BannerInfo {
  config: RuntimeConfig;
  version: string;
  buildDate: string;
  /** The node ID in use, when the agent generated or loaded it (`config.nodeId` is ''). */
  nodeId?: string;
  /** The cluster address in use, when the agent chose it (`config.advertiseAddr` is ''). */
  advertiseAddr?: string;
}

/** Consul pads its labels by hand to the width of its longest common one, "Gossip Encryption". */
const LABEL_WIDTH = 17;
const INFO_INDENT = '    ';

/** The banner, ending with the blank line after which log lines follow. */
export function formatBanner(info: BannerInfo): string {
  const { config } = info;
  const { ports } = config;
  const clientAddresses = config.clientAddr.split(/\s+/).filter((address) => address !== '');
  const rows: [string, string][] = [
    ['Version', `'${info.version}'`],
    ['Build Date', `'${info.buildDate}'`],
    ['Node ID', `'${info.nodeId ?? config.nodeId}'`],
    ['Node name', `'${config.nodeName}'`],
    // Servers serve every network segment; clients are in the default one, named ''.
    ['Datacenter', `'${config.datacenter}' (Segment: '${config.server ? '<all>' : ''}')`],
    ['Server', `${config.server} (Bootstrap: ${config.bootstrap})`],
    [
      'Client Addr',
      `[${clientAddresses.join(' ')}] (HTTP: ${ports.http}, HTTPS: ${ports.https}, gRPC: ${ports.grpc}, ` +
        `gRPC-TLS: -1, DNS: ${ports.dns})`,
    ],
    [
      'Cluster Addr',
      `${info.advertiseAddr ?? config.advertiseAddr} (LAN: ${ports.serfLan}, WAN: ${ports.serfWan})`,
    ],
    ['Gossip Encryption', `${config.encrypt !== ''}`],
    ['Auto-Encrypt-TLS', 'false'],
    ['ACL Enabled', `${config.acl.enabled}`],
  ];
  if (config.acl.enabled) rows.push(['ACL Default Policy', config.acl.defaultPolicy]);

  const lines = [
    '==> Starting Cairn agent...',
    ...rows.map(([label, value]) => `${INFO_INDENT}${label.padStart(LABEL_WIDTH)}: ${value}`),
    '',
    '==> Log data will now stream in as it occurs:',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
