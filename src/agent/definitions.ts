import type { LocalAgent } from '../client/local-agent.ts';
import type { HttpConfig } from '../http/context.ts';
import { decodeCheckDefinition, decodeServiceDefinition } from '../http/definitions.ts';
import { HttpError } from '../http/errors.ts';
import { Fields } from '../http/fields.ts';
import type { RuntimeConfig } from './config.ts';
import { ConfigError } from './config.ts';

/**
 * Registers the services and checks named in config files (`service {}`, `services []`,
 * `check {}`, `checks []`) through the same decoder as the HTTP API, so a definition means the
 * same wherever it comes from. A bad definition stops the start with Consul's message.
 */
export async function registerConfiguredDefinitions(
  config: RuntimeConfig,
  local: LocalAgent,
  http: HttpConfig,
): Promise<void> {
  const decode = <T>(what: string, index: number, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof HttpError) throw new ConfigError(`${what}[${index}]: ${error.message}`);
      throw error;
    }
  };
  for (const [index, raw] of config.services.entries()) {
    const { service, checks } = decode('services', index, () =>
      decodeServiceDefinition(Fields.of(raw, 'service'), http.nodeName),
    );
    await local.registerService(service, checks, { replaceExistingChecks: false });
  }
  for (const [index, raw] of config.checks.entries()) {
    const check = decode('checks', index, () =>
      decodeCheckDefinition(Fields.of(raw, 'check'), http.nodeName),
    );
    await local.registerCheck(check);
  }
}
