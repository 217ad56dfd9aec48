import type { LocalAgent } from '../client/local-agent.ts';
import {
  decodeCheckDefinition,
  decodeServiceDefinition,
  isScriptCheck,
  SCRIPT_CHECKS_DISABLED_LOCAL,
  type ServiceDefinition,
} from '../http/definitions.ts';
import { HttpError } from '../http/errors.ts';
import { Fields } from '../http/fields.ts';
import type { CheckInput } from '../state/catalog.ts';
import { ConfigError, type RuntimeConfig } from './config.ts';

/** The services and checks the config files define, decoded and validated. */
export interface ConfiguredDefinitions {
  services: ServiceDefinition[];
  checks: CheckInput[];
}

/**
 * Decodes the config files' `service {}`/`services []` and `check {}`/`checks []` through the
 * same decoder as the HTTP API, so a definition means the same wherever it comes from. Every
 * definition is checked before any is applied: a bad one refuses the whole set with Consul's
 * message and the position of the definition. Script checks need `enable_local_script_checks`
 * (which `enable_script_checks` implies).
 */
export function decodeConfiguredDefinitions(config: RuntimeConfig, nodeName: string): ConfiguredDefinitions {
  const decode = <T>(what: string, index: number, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof HttpError) throw new ConfigError(`${what}[${index}]: ${error.message}`);
      throw error;
    }
  };
  const refuseScripts = (what: string, index: number, checks: readonly CheckInput[]) => {
    if (!config.enableLocalScriptChecks && checks.some(isScriptCheck)) {
      throw new ConfigError(`${what}[${index}]: ${SCRIPT_CHECKS_DISABLED_LOCAL}`);
    }
  };
  const services = config.services.map((raw, index) => {
    const definition = decode('services', index, () =>
      decodeServiceDefinition(Fields.of(raw, 'service'), nodeName),
    );
    refuseScripts('services', index, definition.checks);
    return definition;
  });
  const checks = config.checks.map((raw, index) => {
    const check = decode('checks', index, () => decodeCheckDefinition(Fields.of(raw, 'check'), nodeName));
    refuseScripts('checks', index, [check]);
    return check;
  });
  return { services, checks };
}

/**
 * What the config files put in the local agent, so a reload can take away what the files no
 * longer define and leave alone what came from the HTTP API. Re-registering an unchanged
 * definition keeps its checks' status (the local agent keeps status across re-registration).
 */
export class ConfiguredLocalState {
  private serviceIds = new Set<string>();
  private checkIds = new Set<string>();

  constructor(private readonly local: LocalAgent) {}

  async apply(definitions: ConfiguredDefinitions): Promise<void> {
    const serviceIds = new Set(definitions.services.map(({ service }) => service.ID));
    const checkIds = new Set(definitions.checks.map((check) => check.CheckID));
    for (const id of this.serviceIds) {
      if (!serviceIds.has(id) && this.local.service(id) !== undefined) await this.local.deregisterService(id);
    }
    for (const id of this.checkIds) {
      if (!checkIds.has(id) && this.local.check(id) !== undefined) await this.local.deregisterCheck(id);
    }
    for (const { service, checks } of definitions.services) {
      await this.local.registerService(service, checks, { replaceExistingChecks: false, persist: false });
    }
    for (const check of definitions.checks) await this.local.registerCheck(check, { persist: false });
    this.serviceIds = serviceIds;
    this.checkIds = checkIds;
  }
}
