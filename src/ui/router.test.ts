import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { inDatacenter, parseRoute, type Route, routePath } from './router.ts';

describe('UI routes', () => {
  it("parses Consul's UI paths", () => {
    const cases: [string, Route][] = [
      ['', { page: 'home' }],
      ['dc1/services', { page: 'services', dc: 'dc1' }],
      ['dc1/services/', { page: 'services', dc: 'dc1' }],
      ['dc1/services/web', { page: 'service', dc: 'dc1', name: 'web' }],
      ['dc1/nodes', { page: 'nodes', dc: 'dc1' }],
      ['dc1/nodes/node%201', { page: 'node', dc: 'dc1', name: 'node 1' }],
      ['dc1/kv', { page: 'kv-folder', dc: 'dc1', prefix: '' }],
      ['dc1/kv/', { page: 'kv-folder', dc: 'dc1', prefix: '' }],
      ['dc1/kv/app/', { page: 'kv-folder', dc: 'dc1', prefix: 'app/' }],
      ['dc1/kv/app/db/edit', { page: 'kv-edit', dc: 'dc1', key: 'app/db' }],
      ['dc1/kv/app/db', { page: 'kv-edit', dc: 'dc1', key: 'app/db' }],
      ['dc1/kv/create', { page: 'kv-create', dc: 'dc1', prefix: '' }],
      ['dc1/kv/app/create', { page: 'kv-create', dc: 'dc1', prefix: 'app/' }],
      ['dc1/cluster', { page: 'cluster', dc: 'dc1' }],
      ['settings', { page: 'settings' }],
    ];
    for (const [path, route] of cases) assert.deepEqual(parseRoute(path), route, path);
  });

  it('answers not-found for unknown sections and undecodable paths', () => {
    assert.deepEqual(parseRoute('dc1'), { page: 'not-found', path: 'dc1' });
    assert.deepEqual(parseRoute('dc1/acls'), { page: 'not-found', path: 'dc1/acls' });
    assert.deepEqual(parseRoute('dc1/cluster/x'), { page: 'not-found', path: 'dc1/cluster/x' });
    assert.deepEqual(parseRoute('dc1/services/%E0%A4%A'), {
      page: 'not-found',
      path: 'dc1/services/%E0%A4%A',
    });
  });

  it('writes paths that parse back to the same route, whatever the names hold', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const key = fc
      .array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join('/'))
      .filter((k) => !/(^|\/)(edit|create)$/.test(k) && !k.endsWith('/'));
    const folder = fc.oneof(
      fc.constant(''),
      key.map((k) => `${k}/`),
    );
    const route: fc.Arbitrary<Route> = fc.oneof(
      text.map((dc) => ({ page: 'services', dc }) as const),
      fc.tuple(text, text).map(([dc, name]) => ({ page: 'service', dc, name }) as const),
      fc.tuple(text, text).map(([dc, name]) => ({ page: 'node', dc, name }) as const),
      fc.tuple(text, folder).map(([dc, prefix]) => ({ page: 'kv-folder', dc, prefix }) as const),
      fc.tuple(text, key).map(([dc, k]) => ({ page: 'kv-edit', dc, key: k }) as const),
      fc.tuple(text, folder).map(([dc, prefix]) => ({ page: 'kv-create', dc, prefix }) as const),
    );
    fc.assert(
      fc.property(route, (r) => {
        fc.pre(!('dc' in r) || (r.dc !== 'settings' && r.dc !== ''));
        assert.deepEqual(parseRoute(routePath(r)), r);
      }),
    );
  });

  it('moves list pages to another datacenter and detail pages to their list', () => {
    assert.deepEqual(inDatacenter({ page: 'services', dc: 'dc1' }, 'dc2'), { page: 'services', dc: 'dc2' });
    assert.deepEqual(inDatacenter({ page: 'service', dc: 'dc1', name: 'web' }, 'dc2'), {
      page: 'services',
      dc: 'dc2',
    });
    assert.deepEqual(inDatacenter({ page: 'kv-edit', dc: 'dc1', key: 'a' }, 'dc2'), {
      page: 'kv-folder',
      dc: 'dc2',
      prefix: '',
    });
    assert.deepEqual(inDatacenter({ page: 'settings' }, 'dc2'), { page: 'settings' });
  });
});
