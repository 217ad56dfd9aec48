/**
 * Service and check definitions, decoded the way Consul decodes them: the body of
 * `PUT /v1/agent/service/register` (`structs.ServiceDefinition`), of `PUT /v1/agent/check/register`
 * (`structs.CheckDefinition`), the `Check`/`Checks` inside a service (`structs.CheckType`), and the
 * `service {}` / `check {}` blocks of config files, which the agent passes through the same
 * functions so a definition means the same wherever it comes from.
 *
 * Field names match case-insensitively and in snake_case (`Fields`); durations are Go text or
 * nanosecond numbers. Every rejection is a 400 with Consul's text (`Missing service name`,
 * `Invalid check: TTL must be > 0 for TTL checks`, …), in the order Consul checks them: decode
 * errors first, then the name, the address, weights, meta, and last the checks.
 */
import { formatGoDuration } from '../lib/duration.ts';
import { isAnyAddress } from '../lib/ip-address.ts';
import type { CheckDefinition, HealthStatus, TaggedAddress, Weights } from '../model/records.ts';
import type { CheckInput, ServiceInput } from '../state/catalog.ts';
import { badRequest } from './errors.ts';
import type { Fields } from './fields.ts';

/** A decoded service registration: the service and the checks it brings, IDs already assigned. */
export interface ServiceDefinition {
  service: ServiceInput;
  checks: CheckInput[];
}

/** Consul's answer to a script check registered over HTTP while `enable_script_checks` is off. */
export const SCRIPT_CHECKS_DISABLED_REMOTE =
  "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";
/** The same for a script check from a config file while local script checks are off. */
export const SCRIPT_CHECKS_DISABLED_LOCAL =
  "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";

/** Check types as Consul names them in `HealthCheck.Type` (`CheckType.Type()`). */
export const CheckKind = {
  grpc: 'grpc',
  http: 'http',
  ttl: 'ttl',
  tcp: 'tcp',
  udp: 'udp',
  alias: 'alias',
  docker: 'docker',
  script: 'script',
  h2ping: 'h2ping',
  osService: 'os_service',
} as const;

const META_MAX_PAIRS = 64;
const META_KEY_MAX_LENGTH = 128;
const META_VALUE_MAX_LENGTH = 512;
const META_KEY_FORMAT = /^[a-zA-Z0-9_-]+$/;
const DNS_WEIGHT_MAX = 65535;

/** `true` when the check runs a script: the ones `enable_script_checks` gates. */
export function isScriptCheck(check: CheckInput): boolean {
  return (check.Definition.ScriptArgs?.length ?? 0) > 0;
}

// --- service definitions ---------------------------------------------------------------------

/**
 * Decodes a service definition (`PUT /v1/agent/service/register`, a config file's `service {}`).
 * Checks get Consul's IDs: `service:<ID>` for a single one, `service:<ID>:<n>` (from 1) when the
 * service brings several (`Check` first, then `Checks`), unless they carry their own `CheckID`.
 */
export function decodeServiceDefinition(fields: Fields, nodeName: string): ServiceDefinition {
  // Decode everything first: a body that does not decode is refused before any validation.
  const name = fields.string('Name');
  const id = fields.string('ID');
  const kind = fields.string('Kind');
  const tags = fields.stringList('Tags');
  const address = fields.string('Address');
  const taggedAddresses = decodeTaggedAddresses(fields);
  const meta = fields.stringMap('Meta');
  const port = fields.integer('Port', 0, -(2 ** 31), 2 ** 31 - 1);
  const socketPath = fields.string('SocketPath');
  const weights = decodeWeights(fields);
  const enableTagOverride = fields.boolean('EnableTagOverride');
  const proxy = rawObject(fields, 'Proxy');
  const connect = rawObject(fields, 'Connect');
  const single = fields.object('Check');
  const checkTypes = [
    ...(single === undefined || isEmptyCheck(single) ? [] : [decodeCheckType(single)]),
    ...fields.objectList('Checks').map((checkFields) => decodeCheckType(checkFields)),
  ];

  if (name === '') throw badRequest('Missing service name');
  if (isAnyAddress(address)) throw badRequest('Invalid service address');
  if (weights !== undefined) {
    const problem = weightsProblem(weights);
    if (problem !== undefined) throw badRequest(`Invalid Weights: ${problem}`);
  }
  const metaProblem = metadataProblem(meta);
  if (metaProblem !== undefined) throw badRequest(`Invalid Service Meta: ${metaProblem}`);
  for (const checkType of checkTypes) {
    const problem = checkTypeProblem(checkType);
    if (problem !== undefined) throw badRequest(`Invalid check: ${problem}`);
  }
  for (const checkType of checkTypes) {
    if (checkType.status !== '' && !isValidStatus(checkType.status)) {
      throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
    }
  }

  const service: ServiceInput = {
    Kind: kind,
    ID: id === '' ? name : id,
    Service: name,
    Tags: tags,
    Address: address,
    ...(taggedAddresses === undefined ? {} : { TaggedAddresses: taggedAddresses }),
    Meta: meta,
    Port: port,
    ...(socketPath === '' ? {} : { SocketPath: socketPath }),
    Weights: weights ?? { Passing: 1, Warning: 1 },
    EnableTagOverride: enableTagOverride,
    ...(proxy === undefined ? {} : { Proxy: proxy }),
    ...(connect === undefined ? {} : { Connect: withoutSidecar(connect) }),
  };
  const checks = checkTypes.map((checkType, index): CheckInput => {
    let checkId = checkType.checkId;
    if (checkId === '') {
      checkId = `service:${service.ID}`;
      if (checkTypes.length > 1) checkId += `:${index + 1}`;
    }
    return {
      Node: nodeName,
      CheckID: checkId,
      Name: checkType.name === '' ? `Service '${service.Service}' check` : checkType.name,
      Status: checkType.status === '' ? 'critical' : (checkType.status as HealthStatus),
      Notes: checkType.notes,
      Output: '',
      ServiceID: service.ID,
      ServiceName: service.Service,
      ServiceTags: [...service.Tags],
      Type: checkKind(checkType),
      // A service's checks show a zero duration as '' (`addServiceInternal`).
      Interval: checkType.definition.Interval ? formatGoDuration(checkType.definition.Interval) : '',
      Timeout: checkType.definition.Timeout ? formatGoDuration(checkType.definition.Timeout) : '',
      ExposedPort: 0,
      Definition: checkType.definition,
    };
  });
  return { service, checks };
}

// --- check definitions -----------------------------------------------------------------------

/**
 * Decodes a check definition (`PUT /v1/agent/check/register`, a config file's `check {}`). The
 * ID defaults to the name. Whether `ServiceID` names a registered service is the local agent's
 * decision, not the decoder's.
 */
export function decodeCheckDefinition(fields: Fields, nodeName: string): CheckInput {
  const checkType = decodeCheckType(fields);
  const id = checkType.checkId;
  const serviceId = fields.string('ServiceID');
  fields.string('Token');

  if (checkType.name === '') throw badRequest('Missing check name');
  if (checkType.status !== '' && !isValidStatus(checkType.status)) throw badRequest('Bad check status');
  const problem = checkTypeProblem(checkType);
  if (problem !== undefined) throw badRequest(`Invalid check: ${problem}`);

  return {
    Node: nodeName,
    CheckID: id === '' ? checkType.name : id,
    Name: checkType.name,
    Status: checkType.status === '' ? 'critical' : (checkType.status as HealthStatus),
    Notes: checkType.notes,
    Output: '',
    ServiceID: serviceId,
    ServiceName: '',
    ServiceTags: [],
    Type: checkKind(checkType),
    // A standalone check shows its durations as Go prints them, zero included
    // (`CheckDefinition.HealthCheck`).
    Interval: formatGoDuration(checkType.definition.Interval ?? 0),
    Timeout: formatGoDuration(checkType.definition.Timeout ?? 0),
    ExposedPort: 0,
    Definition: checkType.definition,
  };
}

/**
 * A `HealthCheck.Definition` as the catalog register endpoint receives it
 * (`structs.HealthCheckDefinition`: the same field names, durations as Go text or nanoseconds).
 */
export function decodeHealthCheckDefinition(fields: Fields): CheckDefinition {
  return decodeCheckType(fields, { h2PingTlsByDefault: false }).definition;
}

// --- check types (`structs.CheckType`) -------------------------------------------------------

/** A decoded `CheckType`: the identity fields apart, the rest as the stored definition. */
interface CheckType {
  checkId: string;
  name: string;
  status: string;
  notes: string;
  definition: CheckDefinition;
  /** Decoded for validation and type only; the stored definition has no field for them. */
  dockerContainerId: string;
  osService: string;
}

/**
 * `h2PingTlsByDefault`: an `H2PING` check uses TLS unless `H2PingUseTLS` (or `h2ping_use_tls`) is
 * false, as `CheckType`/`CheckDefinition.UnmarshalJSON` and the config builder default it; the
 * catalog's `HealthCheckDefinition` has no such default.
 */
function decodeCheckType(fields: Fields, options = { h2PingTlsByDefault: true }): CheckType {
  const scriptArgs = fields.stringList('ScriptArgs');
  const args = scriptArgs.length > 0 ? scriptArgs : fields.stringList('Args');
  const definition: CheckDefinition = {};
  const set = <K extends keyof CheckDefinition>(key: K, value: CheckDefinition[K], present: boolean) => {
    if (present) definition[key] = value;
  };
  const text = (
    key:
      | 'HTTP'
      | 'Method'
      | 'Body'
      | 'TLSServerName'
      | 'TCP'
      | 'UDP'
      | 'GRPC'
      | 'H2PING'
      | 'AliasNode'
      | 'AliasService',
  ) => {
    const value = fields.string(key);
    set(key, value, value !== '');
  };
  const duration = (key: 'Interval' | 'Timeout' | 'TTL' | 'DeregisterCriticalServiceAfter') => {
    // Go's `time.Duration(float64)` drops a fraction of a nanosecond.
    const value = Math.trunc(fields.duration(key));
    set(key, value, value !== 0);
  };
  const count = (
    key: 'OutputMaxSize' | 'SuccessBeforePassing' | 'FailuresBeforeWarning' | 'FailuresBeforeCritical',
  ) => {
    const value = fields.integer(key, 0, Number.MIN_SAFE_INTEGER);
    set(key, value, value !== 0);
  };

  duration('Interval');
  duration('Timeout');
  duration('TTL');
  duration('DeregisterCriticalServiceAfter');
  text('HTTP');
  const header = decodeHeader(fields);
  set('Header', header, header !== undefined);
  text('Method');
  text('Body');
  const disableRedirects = fields.boolean('DisableRedirects');
  set('DisableRedirects', true, disableRedirects);
  text('TLSServerName');
  const skipVerify = fields.boolean('TLSSkipVerify');
  set('TLSSkipVerify', true, skipVerify);
  text('TCP');
  const tcpTls = fields.boolean('TCPUseTLS');
  set('TCPUseTLS', true, tcpTls);
  text('UDP');
  text('GRPC');
  const grpcTls = fields.boolean('GRPCUseTLS');
  set('GRPCUseTLS', true, grpcTls);
  text('H2PING');
  const h2PingTls = fields.boolean(
    'H2PingUseTLS',
    options.h2PingTlsByDefault && definition.H2PING !== undefined,
  );
  set('H2PingUseTLS', true, h2PingTls);
  set('ScriptArgs', args, args.length > 0);
  text('AliasNode');
  text('AliasService');
  count('OutputMaxSize');
  count('SuccessBeforePassing');
  count('FailuresBeforeWarning');
  count('FailuresBeforeCritical');
  // Decoded so a wrong type is refused as Consul refuses it; no stored field holds them.
  fields.string('Shell');
  fields.string('ServiceID');

  return {
    checkId: fields.string('CheckID') || fields.string('ID'),
    name: fields.string('Name'),
    status: fields.string('Status'),
    notes: fields.string('Notes'),
    definition,
    dockerContainerId: fields.string('DockerContainerID'),
    osService: fields.string('OSService'),
  };
}

/** `CheckType.Validate()`, word for word. */
function checkTypeProblem(checkType: CheckType): string | undefined {
  const d = checkType.definition;
  const interval = d.Interval ?? 0;
  const ttl = d.TTL ?? 0;
  const alias = isAlias(d);
  const intervalCheck =
    (d.ScriptArgs?.length ?? 0) > 0 ||
    d.HTTP !== undefined ||
    d.TCP !== undefined ||
    d.UDP !== undefined ||
    d.GRPC !== undefined ||
    d.H2PING !== undefined ||
    checkType.osService !== '';
  if (interval > 0 && ttl > 0) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && interval <= 0) {
    return 'Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks';
  }
  if (intervalCheck && alias) return 'Interval cannot be set for Alias checks';
  if (alias && ttl > 0) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !alias && ttl <= 0) return 'TTL must be > 0 for TTL checks';
  if ((d.OutputMaxSize ?? 0) < 0) return 'MaxOutputMaxSize must be positive';
  if ((d.FailuresBeforeWarning ?? 0) > (d.FailuresBeforeCritical ?? 0)) {
    return "FailuresBeforeWarning can't be higher than FailuresBeforeCritical";
  }
  // Valid for Consul, but Cairn has no Docker or OS-service probe: refused rather than left idle.
  const kind = checkKind(checkType);
  if (kind === CheckKind.docker) return 'Docker checks (DockerContainerID) are not supported by Cairn';
  if (kind === CheckKind.osService) return 'OSService checks are not supported by Cairn';
  return undefined;
}

/** `CheckType.Type()`: the first kind that matches, in Consul's order. */
function checkKind(checkType: CheckType): string {
  return definitionKind(checkType.definition, checkType.dockerContainerId, checkType.osService);
}

/**
 * The check type (`HealthCheck.Type`) a stored definition describes; the catalog register
 * endpoint fills it in this way when the client left it empty.
 */
export function definitionKind(d: CheckDefinition, dockerContainerId = '', osService = ''): string {
  const interval = (d.Interval ?? 0) > 0;
  const script = (d.ScriptArgs?.length ?? 0) > 0;
  if (d.GRPC !== undefined && interval) return CheckKind.grpc;
  if (d.HTTP !== undefined && interval) return CheckKind.http;
  if ((d.TTL ?? 0) > 0) return CheckKind.ttl;
  if (d.TCP !== undefined && interval) return CheckKind.tcp;
  if (d.UDP !== undefined && interval) return CheckKind.udp;
  if (isAlias(d)) return CheckKind.alias;
  if (script && dockerContainerId !== '' && interval) return CheckKind.docker;
  if (script) return CheckKind.script;
  if (d.H2PING !== undefined && interval) return CheckKind.h2ping;
  if (osService !== '' && interval) return CheckKind.osService;
  return '';
}

function isAlias(definition: CheckDefinition): boolean {
  return definition.AliasNode !== undefined || definition.AliasService !== undefined;
}

/** `CheckType.Empty()`: a `Check` block with nothing set is no check at all. */
function isEmptyCheck(fields: Fields): boolean {
  return Object.values(fields.raw).every(
    (value) => value === null || value === undefined || value === '' || value === 0 || value === false,
  );
}

function isValidStatus(status: string): boolean {
  return status === 'passing' || status === 'warning' || status === 'critical';
}

function decodeHeader(fields: Fields): Record<string, string[]> | undefined {
  const value = fields.get('Header');
  if (value === undefined || value === null) return undefined;
  const fail = (): never => {
    throw badRequest('Request decode failed: Header: expected an object of string lists');
  };
  if (typeof value !== 'object' || Array.isArray(value)) fail();
  const header: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(values) || values.some((item) => typeof item !== 'string')) fail();
    header[name] = [...(values as string[])];
  }
  return header;
}

// --- service fields ----------------------------------------------------------------------------

function decodeTaggedAddresses(fields: Fields): Record<string, TaggedAddress> | undefined {
  const tagged = fields.object('TaggedAddresses');
  if (tagged === undefined) return undefined;
  const result: Record<string, TaggedAddress> = {};
  for (const tag of Object.keys(tagged.raw)) {
    const entry = tagged.object(tag);
    if (entry === undefined) continue;
    result[tag] = {
      Address: entry.string('Address'),
      Port: entry.integer('Port', 0, -(2 ** 31), 2 ** 31 - 1),
    };
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

function decodeWeights(fields: Fields): Weights | undefined {
  const weights = fields.object('Weights');
  if (weights === undefined) return undefined;
  const integer = (name: string) => weights.integer(name, 0, -(2 ** 31), 2 ** 31 - 1);
  return { Passing: integer('Passing'), Warning: integer('Warning') };
}

/** `structs.ValidateWeights`. */
function weightsProblem(weights: Weights): string | undefined {
  if (weights.Passing < 1) return 'Passing must be greater than 0';
  if (weights.Warning < 0) return 'Warning must be greater or equal than 0';
  if (weights.Passing > DNS_WEIGHT_MAX || weights.Warning > DNS_WEIGHT_MAX) {
    return 'DNS Weight must be between 0 and 65535';
  }
  return undefined;
}

/** `structs.ValidateServiceMetadata` for a typical service (no `consul-` keys). */
function metadataProblem(meta: Record<string, string>): string | undefined {
  const entries = Object.entries(meta);
  if (entries.length > META_MAX_PAIRS) {
    return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  }
  for (const [key, value] of entries) {
    const problem = metaPairProblem(key, value);
    if (problem !== undefined) return `Couldn't load metadata pair ('${key}', '${value}'): ${problem}`;
  }
  return undefined;
}

function metaPairProblem(key: string, value: string): string | undefined {
  if (key === '') return 'Key cannot be blank';
  if (!META_KEY_FORMAT.test(key)) return 'Key contains invalid characters';
  if (key.length > META_KEY_MAX_LENGTH) return `Key is too long (limit: ${META_KEY_MAX_LENGTH} characters)`;
  if (key.startsWith('consul-')) return "Key prefix 'consul-' is reserved for internal use";
  if (utf8Length(value) > META_VALUE_MAX_LENGTH) {
    return `Value is too long (limit: ${META_VALUE_MAX_LENGTH} characters)`;
  }
  return undefined;
}

/** A nested object kept as sent (`Proxy`, `Connect`): its shape belongs to Connect's issue. */
function rawObject(fields: Fields, name: string): Record<string, unknown> | undefined {
  const value = fields.object(name);
  return value === undefined ? undefined : { ...value.raw };
}

/** `Connect.SidecarService` is registration sugar Consul strips before storing the service. */
function withoutSidecar(connect: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(connect)) {
    if (key.replaceAll('_', '').toLowerCase() !== 'sidecarservice') result[key] = value;
  }
  return result;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
