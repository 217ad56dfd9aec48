import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createHttpApp, withoutToken } from './app.ts';
import { json } from './response.ts';
import { route } from './route.ts';
import { createTestContext } from './testing/test-context.ts';

async function start(t: TestContext) {
  const harness = await createTestContext();
  const app = createHttpApp(harness.context, [
    route('/v1/thing', { GET: () => json({ b: [1], a: 'x' }), PUT: () => json(true) }),
    route('/v1/rest/*', { GET: (request) => json(request.rest) }),
  ]);
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  return app;
}

describe('the HTTP method table and framework answers', () => {
  it('answers an unknown path with 404 and Go mux text', async (t) => {
    const response = await (await start(t)).inject({ url: '/v1/nope' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.body, '404 page not found\n');
  });

  it('answers a method the endpoint does not take with 405 and Allow', async (t) => {
    const response = await (await start(t)).inject({ method: 'DELETE', url: '/v1/thing' });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,GET,PUT');
    assert.equal(response.body, 'method DELETE not allowed');
  });

  it('answers OPTIONS with 200 and Allow', async (t) => {
    const response = await (await start(t)).inject({ method: 'OPTIONS', url: '/v1/thing' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.allow, 'OPTIONS,GET,PUT');
  });

  it('answers a path that does not decode with a plain-text 400', async (t) => {
    const response = await (await start(t)).inject({ url: '/v1/rest/%zz' });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
  });

  it('cleans duplicate slashes as Go does, so `//key` reads `key`', async (t) => {
    const response = await (await start(t)).inject({ url: '/v1/rest//app/config' });
    assert.equal(response.json(), 'app/config');
  });

  it('indents JSON with ?pretty', async (t) => {
    const response = await (await start(t)).inject({ url: '/v1/thing?pretty' });
    assert.equal(response.body, '{\n    "b": [\n        1\n    ],\n    "a": "x"\n}\n');
  });

  it('takes a body of any content type as raw bytes', async (t) => {
    const app = await start(t);
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/thing',
      headers: { 'content-type': 'image/png' },
      payload: 'x',
    });
    assert.equal(response.statusCode, 200);
  });
});

describe('withoutToken', () => {
  it('masks every token parameter and leaves the rest', () => {
    assert.equal(withoutToken('/v1/kv/a?token=s3cret&recurse'), '/v1/kv/a?token=<hidden>&recurse');
    assert.equal(withoutToken('/v1/kv/a?dc=dc1&TOKEN=x'), '/v1/kv/a?dc=dc1&TOKEN=<hidden>');
    assert.equal(withoutToken('/v1/kv/token=a'), '/v1/kv/token=a');
  });
});
