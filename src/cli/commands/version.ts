/** `cairn version`, laid out like `consul version`. */

import { CAIRN_VERSION, CONSUL_COMPATIBLE_VERSION, PROTOCOL_VERSION } from '../../lib/version.ts';
import type { Output } from '../output.ts';

export function runVersion(output: Output): number {
  const { min, max, default: spoken } = PROTOCOL_VERSION;
  const supplement =
    spoken < max
      ? ` (agent will automatically use protocol >${spoken} when speaking to compatible agents)`
      : '';
  output.line(`Cairn v${CAIRN_VERSION}`);
  output.line(`Compatible with Consul v${CONSUL_COMPATIBLE_VERSION}`);
  output.line(`Protocol ${spoken} spoken by default, understands ${min} to ${max}${supplement}`);
  return 0;
}
