import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LocalStateStore, PersistedCheckState } from '../client/local-state-store.ts';
import type { Logger } from '../ports/logger.ts';
import { silentLogger } from '../ports/logger.ts';
import type { CheckInput, ServiceInput } from '../state/catalog.ts';
import { LocalStateFiles, MAX_LOCAL_STATE_FILE_BYTES } from './local-state-files.ts';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function freshDirectory(): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-local-state-'));
  roots.push(root);
  return root;
}

interface Warning {
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: Logger; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(fields, message) {
      warnings.push({ fields: fields as Record<string, unknown>, message });
    },
    error() {},
    child() {
      return logger;
    },
  };
  return { logger, warnings };
}

const sha256 = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

function service(id: string, overrides: Partial<ServiceInput> = {}): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: 'web',
    Tags: ['primary', 'v1'],
    Address: '10.0.0.5',
    TaggedAddresses: { lan_ipv4: { Address: '10.0.0.5', Port: 8080 } },
    Meta: { version: '1.2', owner: 'team-a' },
    Port: 8080,
    Weights: { Passing: 3, Warning: 1 },
    EnableTagOverride: false,
    ...overrides,
  };
}

function check(id: string, overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    Node: 'node-1',
    CheckID: id,
    Name: 'HTTP API on port 8080',
    Status: 'critical',
    Notes: 'the public API',
    Output: '',
    ServiceID: 'web-1',
    ServiceName: 'web',
    ServiceTags: ['primary'],
    Type: 'http',
    Interval: '10s',
    Timeout: '1s',
    ExposedPort: 0,
    Definition: {
      Interval: 10_000_000_000,
      Timeout: 1_000_000_000,
      DeregisterCriticalServiceAfter: 90 * 60 * 1_000_000_000,
      HTTP: 'https://10.0.0.5:8080/health',
      Header: { Accept: ['application/json'], 'X-Trace': ['a', 'b'] },
      Method: 'POST',
      Body: '{"ping":true}',
      TLSSkipVerify: true,
      SuccessBeforePassing: 2,
      FailuresBeforeCritical: 3,
    },
    ...overrides,
  };
}

function ttlCheck(id: string): CheckInput {
  return check(id, {
    Name: 'heartbeat',
    Type: 'ttl',
    Interval: '',
    Timeout: '',
    Definition: { TTL: 30_000_000_000 },
  });
}

const passing: PersistedCheckState = {
  status: 'passing',
  output: 'all good',
  expiresWallMs: 1_700_000_030_000,
};

describe('LocalStateFiles', () => {
  it('is a LocalStateStore', () => {
    const store: LocalStateStore = new LocalStateFiles(freshDirectory(), silentLogger);
    assert.deepEqual(store.load(), { services: [], checks: [], checkStates: new Map() });
  });

  it('loads nothing and creates nothing from a data directory that does not exist', () => {
    const missing = join(freshDirectory(), 'data');
    const { logger, warnings } = recordingLogger();
    assert.deepEqual(new LocalStateFiles(missing, logger).load(), {
      services: [],
      checks: [],
      checkStates: new Map(),
    });
    assert.equal(existsSync(missing), false);
    assert.deepEqual(warnings, []);
  });

  it('loads nothing from an empty data directory and leaves it empty', () => {
    const root = freshDirectory();
    const loaded = new LocalStateFiles(root, silentLogger).load();
    assert.deepEqual(loaded, { services: [], checks: [], checkStates: new Map() });
    assert.deepEqual(readdirSync(root), []);
  });

  it('keeps services, checks with their definition, and check states across a restart', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    const services = [service('web-2', { Port: 8081, Tags: [], Meta: {} }), service('web-1')];
    const checks = [check('service:web-1'), ttlCheck('heartbeat')];
    for (const each of services) store.saveService(each);
    for (const each of checks) store.saveCheck(each);
    store.saveCheckState('heartbeat', passing);

    const loaded = new LocalStateFiles(root, silentLogger).load();
    assert.deepEqual(loaded.services, [
      service('web-1'),
      service('web-2', { Port: 8081, Tags: [], Meta: {} }),
    ]);
    assert.deepEqual(loaded.checks, [ttlCheck('heartbeat'), check('service:web-1')]);
    assert.deepEqual(loaded.checkStates, new Map([['heartbeat', passing]]));
  });

  it("lays the files out as Consul does, named by the ID's SHA-256, with no temporary file left", () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    store.saveCheck(ttlCheck('heartbeat'));
    store.saveCheckState('heartbeat', passing);

    assert.deepEqual(readdirSync(join(root, 'services')), [sha256('web-1')]);
    assert.deepEqual(readdirSync(join(root, 'checks')).sort(), [sha256('heartbeat'), 'state'].sort());
    assert.deepEqual(readdirSync(join(root, 'checks', 'state')), [sha256('heartbeat')]);
    const read = (...path: string[]) => JSON.parse(readFileSync(join(root, ...path), 'utf8'));
    assert.deepEqual(read('services', sha256('web-1')), { Service: service('web-1'), Source: 'remote' });
    assert.deepEqual(read('checks', sha256('heartbeat')), { Check: ttlCheck('heartbeat'), Source: 'remote' });
    assert.deepEqual(read('checks', 'state', sha256('heartbeat')), {
      CheckID: 'heartbeat',
      Status: 'passing',
      Output: 'all good',
      Expires: 1_700_000_030_000,
    });
  });

  it('overwrites a saved definition with the next one', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    store.saveService(service('web-1', { Port: 9090, Tags: ['canary'] }));
    store.saveCheck(check('c1'));
    store.saveCheck(check('c1', { Status: 'passing', Definition: { TCP: '10.0.0.5:9090', Interval: 5e9 } }));
    store.saveCheckState('c1', passing);
    store.saveCheckState('c1', { status: 'warning', output: 'slow', expiresWallMs: 2 });

    const loaded = new LocalStateFiles(root, silentLogger).load();
    assert.deepEqual(loaded.services, [service('web-1', { Port: 9090, Tags: ['canary'] })]);
    assert.deepEqual(loaded.checks, [
      check('c1', { Status: 'passing', Definition: { TCP: '10.0.0.5:9090', Interval: 5e9 } }),
    ]);
    assert.deepEqual(
      loaded.checkStates,
      new Map([['c1', { status: 'warning', output: 'slow', expiresWallMs: 2 }]]),
    );
    assert.equal(readdirSync(join(root, 'services')).length, 1);
  });

  it('removes what was saved, and removing what is not there is not an error', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    // Nothing exists yet, not even the directories.
    store.removeService('web-1');
    store.removeCheck('c1');
    store.removeCheckState('c1');
    assert.deepEqual(readdirSync(root), []);

    store.saveService(service('web-1'));
    store.saveService(service('web-2'));
    store.saveCheck(ttlCheck('c1'));
    store.saveCheck(ttlCheck('c2'));
    store.saveCheckState('c1', passing);
    store.saveCheckState('c2', passing);
    store.removeService('web-1');
    store.removeCheck('c1');
    store.removeCheckState('c2');
    store.removeService('web-1');
    store.removeCheckState('c2');

    const loaded = new LocalStateFiles(root, silentLogger).load();
    assert.deepEqual(loaded.services, [service('web-2')]);
    assert.deepEqual(loaded.checks, [ttlCheck('c2')]);
    assert.deepEqual(loaded.checkStates, new Map());
    assert.deepEqual(
      readdirSync(join(root, 'checks', 'state')),
      [sha256('c1')],
      'state files are removed only by removeCheckState',
    );
  });

  it('ignores the state of a check that is not saved', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveCheck(ttlCheck('c1'));
    store.saveCheckState('c1', passing);
    store.saveCheckState('gone', passing);
    assert.deepEqual(new LocalStateFiles(root, silentLogger).load().checkStates, new Map([['c1', passing]]));
  });

  it('stores any ID under a safe file name: slashes, dots, #, unicode, a very long one', () => {
    const ids = [
      'a/b',
      '../../etc/passwd',
      '/',
      'web#1',
      'web?x=1&y=%2F',
      'dienst-übersicht',
      'サービス',
      '🙂 service',
      ' ',
      'web.tmp',
      'x'.repeat(10_000),
    ];
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    for (const id of ids) {
      store.saveService(service(id));
      store.saveCheck(ttlCheck(id));
      store.saveCheckState(id, { ...passing, output: id });
    }
    const sorted = [...ids].sort();
    const loaded = new LocalStateFiles(root, silentLogger).load();
    assert.deepEqual(
      loaded.services.map((each) => each.ID),
      sorted,
    );
    assert.deepEqual(
      loaded.checks.map((each) => each.CheckID),
      sorted,
    );
    assert.deepEqual(loaded.checkStates, new Map(ids.map((id) => [id, { ...passing, output: id }])));
    for (const name of readdirSync(join(root, 'services'))) assert.match(name, /^[0-9a-f]{64}$/);
    assert.deepEqual(readdirSync(root).sort(), ['checks', 'services']);

    for (const id of ids) store.removeService(id);
    assert.deepEqual(readdirSync(join(root, 'services')), []);
  });

  it('deletes temporary files an interrupted save left, keeping the previous definition', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    store.saveCheck(ttlCheck('c1'));
    store.saveCheckState('c1', passing);
    const serviceTemporary = join(root, 'services', `${sha256('web-1')}.tmp`);
    const orphanTemporary = join(root, 'services', `${sha256('web-9')}.tmp`);
    const stateTemporary = join(root, 'checks', 'state', `${sha256('c1')}.tmp`);
    writeFileSync(serviceTemporary, '{"Service": {"ID": "web-1", "Po');
    writeFileSync(orphanTemporary, JSON.stringify({ Service: service('web-9'), Source: 'remote' }));
    writeFileSync(stateTemporary, '');

    const { logger, warnings } = recordingLogger();
    const loaded = new LocalStateFiles(root, logger).load();
    assert.deepEqual(loaded.services, [service('web-1')]);
    assert.deepEqual(loaded.checkStates, new Map([['c1', passing]]));
    for (const temporary of [serviceTemporary, orphanTemporary, stateTemporary]) {
      assert.equal(existsSync(temporary), false, temporary);
    }
    assert.deepEqual(
      warnings.map((warning) => warning.fields.file).sort(),
      [serviceTemporary, orphanTemporary, stateTemporary].sort(),
    );
  });

  it('skips a file that is not JSON with a warning that names it without quoting it, and keeps it', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    store.saveCheck(ttlCheck('c1'));
    const secret = 'token-5f0c2e0a-secret';
    const badService = join(root, 'services', sha256('web-2'));
    const badCheck = join(root, 'checks', sha256('c2'));
    const badState = join(root, 'checks', 'state', sha256('c1'));
    writeFileSync(badService, `{"Service": {"ID": "web-2", "Token": "${secret}" oops`);
    writeFileSync(badCheck, `${secret}`);
    mkdirSync(join(root, 'checks', 'state'));
    writeFileSync(badState, `{"CheckID": "c1", "Output": "${secret}`);

    const { logger, warnings } = recordingLogger();
    const loaded = new LocalStateFiles(root, logger).load();
    assert.deepEqual(loaded, {
      services: [service('web-1')],
      checks: [ttlCheck('c1')],
      checkStates: new Map(),
    });
    assert.deepEqual(
      warnings.map((warning) => [warning.fields.file, warning.fields.reason]).sort(),
      [
        [badService, 'not valid JSON'],
        [badCheck, 'not valid JSON'],
        [badState, 'not valid JSON'],
      ].sort(),
    );
    assert.doesNotMatch(JSON.stringify(warnings), new RegExp(secret));
    for (const file of [badService, badCheck, badState]) assert.equal(existsSync(file), true);
  });

  describe('skips a file of the wrong shape, saying which field is wrong', () => {
    const { ID: _id, ...serviceWithoutId } = service('web-2');
    const { Definition: _definition, ...checkWithoutDefinition } = check('c2');
    const cases: { name: string; folder: string[]; id: string; content: unknown; reason: RegExp }[] = [
      {
        name: 'not an object',
        folder: ['services'],
        id: 'web-2',
        content: [1, 2],
        reason: /expected a JSON object/,
      },
      { name: 'null', folder: ['services'], id: 'web-2', content: null, reason: /expected a JSON object/ },
      {
        name: 'no Source',
        folder: ['services'],
        id: 'web-2',
        content: { Service: service('web-2') },
        reason: /Source: expected "remote"/,
      },
      {
        name: 'a config-file Source',
        folder: ['services'],
        id: 'web-2',
        content: { Service: service('web-2'), Source: 'local' },
        reason: /Source: expected "remote"/,
      },
      {
        name: 'a check file in the services folder',
        folder: ['services'],
        id: 'web-2',
        content: { Check: check('web-2'), Source: 'remote' },
        reason: /expected a "Service" field/,
      },
      {
        name: 'a service without ID',
        folder: ['services'],
        id: 'web-2',
        content: { Service: serviceWithoutId, Source: 'remote' },
        reason: /^Service\.ID: expected a non-empty string$/,
      },
      {
        name: 'a port given as text',
        folder: ['services'],
        id: 'web-2',
        content: { Service: { ...service('web-2'), Port: '8080' }, Source: 'remote' },
        reason: /^Service\.Port: expected a number$/,
      },
      {
        name: 'tags that are not strings',
        folder: ['services'],
        id: 'web-2',
        content: { Service: { ...service('web-2'), Tags: ['a', 1] }, Source: 'remote' },
        reason: /^Service\.Tags: expected an array of strings$/,
      },
      {
        name: 'meta with a nested object',
        folder: ['services'],
        id: 'web-2',
        content: { Service: { ...service('web-2'), Meta: { a: { b: 'c' } } }, Source: 'remote' },
        reason: /^Service\.Meta: expected a map of strings$/,
      },
      {
        name: 'weights without Warning',
        folder: ['services'],
        id: 'web-2',
        content: { Service: { ...service('web-2'), Weights: { Passing: 1 } }, Source: 'remote' },
        reason: /^Service\.Weights: /,
      },
      {
        name: 'a tagged address without port',
        folder: ['services'],
        id: 'web-2',
        content: {
          Service: { ...service('web-2'), TaggedAddresses: { lan: { Address: 'x' } } },
          Source: 'remote',
        },
        reason: /^Service\.TaggedAddresses: /,
      },
      {
        name: 'a file name that is not the hash of the ID inside',
        folder: ['services'],
        id: 'web-3',
        content: { Service: service('web-2'), Source: 'remote' },
        reason: /not the SHA-256 hex of the ID/,
      },
      {
        name: 'an unknown check status',
        folder: ['checks'],
        id: 'c2',
        content: { Check: check('c2', { Status: 'bogus' as 'passing' }), Source: 'remote' },
        reason: /^Check\.Status: expected a health status$/,
      },
      {
        name: 'a check without Definition',
        folder: ['checks'],
        id: 'c2',
        content: { Check: checkWithoutDefinition, Source: 'remote' },
        reason: /^Check\.Definition: expected an object$/,
      },
      {
        name: 'a check whose Definition is an array',
        folder: ['checks'],
        id: 'c2',
        content: { Check: { ...check('c2'), Definition: [] }, Source: 'remote' },
        reason: /^Check\.Definition: expected an object$/,
      },
      {
        name: 'a state whose Expires is text',
        folder: ['checks', 'state'],
        id: 'c1',
        content: { CheckID: 'c1', Status: 'passing', Output: '', Expires: '2030-01-01' },
        reason: /^the file\.Expires: expected a number/,
      },
      {
        name: 'a state without Status',
        folder: ['checks', 'state'],
        id: 'c1',
        content: { CheckID: 'c1', Output: '', Expires: 5 },
        reason: /^the file\.Status: expected a health status$/,
      },
      {
        name: 'a state under the name of another check',
        folder: ['checks', 'state'],
        id: 'c1',
        content: { CheckID: 'c2', Status: 'passing', Output: '', Expires: 5 },
        reason: /not the SHA-256 hex of the ID/,
      },
    ];
    for (const { name, folder, id, content, reason } of cases) {
      it(name, () => {
        const root = freshDirectory();
        const store = new LocalStateFiles(root, silentLogger);
        store.saveService(service('web-1'));
        store.saveCheck(ttlCheck('c1'));
        mkdirSync(join(root, ...folder), { recursive: true });
        const file = join(root, ...folder, sha256(id));
        writeFileSync(file, JSON.stringify(content));

        const { logger, warnings } = recordingLogger();
        const loaded = new LocalStateFiles(root, logger).load();
        assert.deepEqual(loaded.services, [service('web-1')]);
        assert.deepEqual(loaded.checks, [ttlCheck('c1')]);
        assert.deepEqual(loaded.checkStates, new Map());
        assert.equal(warnings.length, 1);
        assert.equal(warnings[0]!.fields.file, file);
        assert.match(String(warnings[0]!.fields.reason), reason);
        assert.equal(existsSync(file), true);
      });
    }
  });

  it('skips a file larger than MAX_LOCAL_STATE_FILE_BYTES without reading it', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    const huge = join(root, 'services', sha256('web-2'));
    writeFileSync(huge, '');
    truncateSync(huge, MAX_LOCAL_STATE_FILE_BYTES + 1);
    const { logger, warnings } = recordingLogger();
    assert.deepEqual(new LocalStateFiles(root, logger).load().services, [service('web-1')]);
    assert.deepEqual(
      warnings.map((warning) => warning.fields),
      [{ file: huge, reason: `larger than ${MAX_LOCAL_STATE_FILE_BYTES} bytes` }],
    );
  });

  it('creates directories 0700 and files 0600, the data directory included', () => {
    const root = join(freshDirectory(), 'data');
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    store.saveCheck(ttlCheck('c1'));
    store.saveCheckState('c1', passing);
    store.saveCheckState('c1', passing);
    const mode = (...path: string[]) => statSync(join(root, ...path)).mode & 0o777;
    for (const directory of [[], ['services'], ['checks'], ['checks', 'state']]) {
      assert.equal(mode(...directory).toString(8), '700', directory.join('/'));
    }
    for (const file of [
      ['services', sha256('web-1')],
      ['checks', sha256('c1')],
      ['checks', 'state', sha256('c1')],
    ]) {
      assert.equal(mode(...file).toString(8), '600', file.join('/'));
    }
  });

  it('throws when a save fails, keeping the previous definition', () => {
    const root = freshDirectory();
    const store = new LocalStateFiles(root, silentLogger);
    store.saveService(service('web-1'));
    // A directory where the temporary file goes makes the write fail even for root.
    mkdirSync(join(root, 'services', `${sha256('web-1')}.tmp`));
    assert.throws(() => store.saveService(service('web-1', { Port: 1 })), { code: 'EISDIR' });
    assert.deepEqual(new LocalStateFiles(root, silentLogger).load().services, [service('web-1')]);
  });
});

describe('LocalStateFiles property', () => {
  type Operation =
    | { kind: 'saveService'; service: ServiceInput }
    | { kind: 'removeService'; id: string }
    | { kind: 'saveCheck'; check: CheckInput }
    | { kind: 'removeCheck'; id: string }
    | { kind: 'saveCheckState'; id: string; state: PersistedCheckState }
    | { kind: 'removeCheckState'; id: string };

  // A few fixed IDs so that operations meet the same file often, and any well-formed string.
  const id = fc.oneof(
    fc.constantFrom('web', 'a/b', 'web#1', 'サービス', '🙂'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  );
  const text = fc.string({ maxLength: 8 });
  // JSON.parse makes plain objects; fast-check's default null-prototype ones would not compare equal.
  const plain = { noNullPrototype: true } as const;
  const stringMap = fc.dictionary(text, text, { maxKeys: 3, ...plain });
  const serviceArbitrary = fc.record(
    {
      Kind: fc.constantFrom('', 'connect-proxy'),
      ID: id,
      Service: text,
      Tags: fc.array(text, { maxLength: 3 }),
      Address: text,
      Meta: stringMap,
      Port: fc.integer({ min: 0, max: 65_535 }),
      Weights: fc.record({ Passing: fc.nat(10), Warning: fc.nat(10) }, plain),
      EnableTagOverride: fc.boolean(),
      TaggedAddresses: fc.dictionary(
        fc.constantFrom('lan_ipv4', 'wan_ipv6'),
        fc.record({ Address: text, Port: fc.nat(65_535) }, plain),
        { maxKeys: 2, ...plain },
      ),
    },
    {
      requiredKeys: [
        'Kind',
        'ID',
        'Service',
        'Tags',
        'Address',
        'Meta',
        'Port',
        'Weights',
        'EnableTagOverride',
      ],
      ...plain,
    },
  );
  const checkArbitrary = fc.record(
    {
      Node: text,
      CheckID: id,
      Name: text,
      Status: fc.constantFrom('passing', 'warning', 'critical', 'maintenance' as const),
      Notes: text,
      Output: text,
      ServiceID: text,
      ServiceName: text,
      ServiceTags: fc.array(text, { maxLength: 3 }),
      Type: fc.constantFrom('http', 'ttl', 'tcp'),
      Interval: text,
      Timeout: text,
      ExposedPort: fc.nat(65_535),
      Definition: fc.record(
        {
          Interval: fc.nat(),
          TTL: fc.nat(),
          HTTP: text,
          Header: fc.dictionary(text, fc.array(text, { maxLength: 2 }), { maxKeys: 2, ...plain }),
        },
        { requiredKeys: [], ...plain },
      ),
    },
    plain,
  );
  const stateArbitrary = fc.record(
    {
      status: fc.constantFrom('passing', 'warning', 'critical' as const),
      output: text,
      expiresWallMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    },
    plain,
  );
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    serviceArbitrary.map((service) => ({ kind: 'saveService' as const, service })),
    id.map((id) => ({ kind: 'removeService' as const, id })),
    checkArbitrary.map((check) => ({ kind: 'saveCheck' as const, check })),
    id.map((id) => ({ kind: 'removeCheck' as const, id })),
    fc.tuple(id, stateArbitrary).map(([id, state]) => ({ kind: 'saveCheckState' as const, id, state })),
    id.map((id) => ({ kind: 'removeCheckState' as const, id })),
  );

  it('a fresh load after any saves and removals gives exactly the final state', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 16 }), (operations) => {
        const root = mkdtempSync(join(tmpdir(), 'cairn-local-state-property-'));
        try {
          const store: LocalStateStore = new LocalStateFiles(root, silentLogger);
          const services = new Map<string, ServiceInput>();
          const checks = new Map<string, CheckInput>();
          const states = new Map<string, PersistedCheckState>();
          for (const step of operations) {
            switch (step.kind) {
              case 'saveService':
                store.saveService(step.service);
                services.set(step.service.ID, step.service);
                break;
              case 'removeService':
                store.removeService(step.id);
                services.delete(step.id);
                break;
              case 'saveCheck':
                store.saveCheck(step.check);
                checks.set(step.check.CheckID, step.check);
                break;
              case 'removeCheck':
                store.removeCheck(step.id);
                checks.delete(step.id);
                break;
              case 'saveCheckState':
                store.saveCheckState(step.id, step.state);
                states.set(step.id, step.state);
                break;
              case 'removeCheckState':
                store.removeCheckState(step.id);
                states.delete(step.id);
                break;
            }
          }
          const byKey = <T>(map: Map<string, T>) =>
            [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
          const { logger, warnings } = recordingLogger();
          const loaded = new LocalStateFiles(root, logger).load();
          assert.deepEqual(loaded.services, byKey(services));
          assert.deepEqual(loaded.checks, byKey(checks));
          assert.deepEqual(
            loaded.checkStates,
            new Map([...states].filter(([checkId]) => checks.has(checkId))),
          );
          assert.deepEqual(warnings, []);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
