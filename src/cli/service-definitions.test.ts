import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definitionField, parseServiceDefinitions, ServiceDefinitionError } from './service-definitions.ts';

describe('parseServiceDefinitions', () => {
  it('reads a JSON service block', async () => {
    const definitions = await parseServiceDefinitions('web.json', '{"service":{"name":"web","port":80}}');
    assert.deepEqual(definitions, [{ name: 'web', port: 80 }]);
  });

  it('reads a JSON services list', async () => {
    const text = '{"services":[{"Name":"a"},{"Name":"b"}]}';
    assert.deepEqual(await parseServiceDefinitions('two.json', text), [{ Name: 'a' }, { Name: 'b' }]);
  });

  it('reads HCL and folds its blocks back into objects', async () => {
    const text = `
service {
  name = "web"
  tags = ["v1"]
  port = 80
  meta { version = "1" }
  check {
    http     = "http://localhost/health"
    interval = "10s"
  }
}`;
    assert.deepEqual(await parseServiceDefinitions('web.hcl', text), [
      {
        name: 'web',
        tags: ['v1'],
        port: 80,
        meta: { version: '1' },
        check: { http: 'http://localhost/health', interval: '10s' },
      },
    ]);
  });

  it('keeps real lists as lists, even with one element', async () => {
    const text = `
services {
  name = "db"
  checks = [{ tcp = "localhost:5432", interval = "5s" }]
}
services {
  name = "cache"
}`;
    const definitions = await parseServiceDefinitions('services.hcl', text);
    assert.equal(definitions.length, 2);
    assert.deepEqual(definitions[0]?.checks, [{ tcp: 'localhost:5432', interval: '5s' }]);
  });

  it('tells JSON from HCL by content when the name does not say', async () => {
    assert.deepEqual(await parseServiceDefinitions('web.conf', '{"service":{"name":"j"}}'), [{ name: 'j' }]);
    assert.deepEqual(await parseServiceDefinitions('web.conf', 'service { name = "h" }'), [{ name: 'h' }]);
  });

  const failures: [string, string, string, RegExp][] = [
    ['bad JSON', 'x.json', '{', /^failed to parse x\.json: /],
    [
      'bad HCL',
      'x.hcl',
      'service { name = "a"',
      /^failed to parse x\.hcl: At 1:22: object expected closing RBRACE got: EOF$/,
    ],
    ['no service', 'x.json', '{"node_name":"n"}', /^x\.json: no service definition/],
    [
      'a service that is not an object',
      'x.json',
      '{"service":"web"}',
      /x\.json: service: invalid value "web", expected an object/,
    ],
  ];
  for (const [name, file, text, message] of failures) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(parseServiceDefinitions(file, text), (error: unknown) => {
        assert.ok(error instanceof ServiceDefinitionError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('definitionField', () => {
  it('finds a field in any case, with or without underscores', () => {
    assert.equal(definitionField({ name: 'a' }, 'Name'), 'a');
    assert.equal(definitionField({ enable_tag_override: true }, 'EnableTagOverride'), true);
    assert.equal(definitionField({}, 'ID'), undefined);
  });
});
