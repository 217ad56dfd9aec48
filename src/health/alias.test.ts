import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthStatus } from '../model/records.ts';
import { ALIAS_ALL_PASSING_OUTPUT, ALIAS_NO_CHECKS_OUTPUT, type AliasedCheck, aliasResult } from './alias.ts';

function check(
  Name: string,
  Status: HealthStatus,
  options: { node?: string; service?: string; output?: string } = {},
): AliasedCheck {
  return {
    Node: options.node ?? 'n1',
    CheckID: Name,
    Name,
    Status,
    Output: options.output ?? `${Name} says ${Status}`,
    ServiceID: options.service ?? '',
  };
}

const exists = () => true;
const web = { node: 'n1', serviceId: 'web' };
const node = { node: 'n1', serviceId: '' };

describe('aliasResult', () => {
  it('passes with "No checks found." when nothing counts but the service exists', () => {
    assert.deepEqual(aliasResult([], web, exists), { status: 'passing', output: ALIAS_NO_CHECKS_OUTPUT });
    assert.equal(ALIAS_NO_CHECKS_OUTPUT, 'No checks found.');
  });

  it('passes with "All checks passing." when every check that counts passes', () => {
    const checks = [check('a', 'passing', { service: 'web' }), check('serf', 'passing')];
    assert.deepEqual(aliasResult(checks, web), { status: 'passing', output: ALIAS_ALL_PASSING_OUTPUT });
    assert.equal(ALIAS_ALL_PASSING_OUTPUT, 'All checks passing.');
  });

  it('lets a critical check decide, quoting its name as Go does', () => {
    const checks = [
      check('ok', 'passing', { service: 'web' }),
      check('db "main"', 'critical', { service: 'web', output: 'refused' }),
      check('later', 'warning', { service: 'web' }),
    ];
    assert.deepEqual(aliasResult(checks, web), {
      status: 'critical',
      output: 'Aliased check "db \\"main\\"" failing: refused',
    });
  });

  it('keeps a warning against later passing checks, and lets a later critical one win', () => {
    const warning = check('slow', 'warning', { service: 'web', output: '429' });
    assert.deepEqual(aliasResult([warning, check('ok', 'passing', { service: 'web' })], web), {
      status: 'warning',
      output: 'Aliased check "slow" failing: 429',
    });
    assert.deepEqual(
      aliasResult([warning, check('down', 'critical', { service: 'web', output: 'x' })], web),
      { status: 'critical', output: 'Aliased check "down" failing: x' },
    );
  });

  it('reports the last of several warnings', () => {
    const checks = [check('w1', 'warning', { service: 'web' }), check('w2', 'warning', { service: 'web' })];
    assert.equal(aliasResult(checks, web).output, 'Aliased check "w2" failing: w2 says warning');
  });

  it("counts the node's own checks for a service alias", () => {
    const checks = [
      check('ok', 'passing', { service: 'web' }),
      check('serfHealth', 'critical', { output: 'gone' }),
    ];
    assert.deepEqual(aliasResult(checks, web), {
      status: 'critical',
      output: 'Aliased check "serfHealth" failing: gone',
    });
  });

  it('ignores checks of other services and other nodes', () => {
    const checks = [
      check('api', 'critical', { service: 'api' }),
      check('elsewhere', 'critical', { node: 'n2', service: 'web' }),
      check('ok', 'passing', { service: 'web' }),
    ];
    assert.deepEqual(aliasResult(checks, web), { status: 'passing', output: ALIAS_ALL_PASSING_OUTPUT });
  });

  it('compares node names without regard to case, and service IDs exactly', () => {
    const checks = [
      check('a', 'critical', { node: 'N1', service: 'web' }),
      check('b', 'critical', { service: 'Web' }),
    ];
    assert.equal(aliasResult(checks, web).output, 'Aliased check "a" failing: a says critical');
    assert.equal(aliasResult([checks[1]!], web, exists).status, 'passing');
  });

  it('with node "" reads every check given, as the local alias does', () => {
    const checks = [check('far', 'critical', { node: 'other', service: 'web' })];
    assert.equal(aliasResult(checks, { node: '', serviceId: 'web' }).status, 'critical');
    assert.deepEqual(aliasResult(checks, web, exists), { status: 'passing', output: ALIAS_NO_CHECKS_OUTPUT });
  });

  it('a node alias mirrors only the node checks', () => {
    const checks = [check('svc', 'critical', { service: 'web' }), check('serfHealth', 'passing')];
    assert.deepEqual(aliasResult(checks, node), { status: 'passing', output: ALIAS_ALL_PASSING_OUTPUT });
    assert.deepEqual(aliasResult([check('serfHealth', 'warning', { output: 'w' })], node), {
      status: 'warning',
      output: 'Aliased check "serfHealth" failing: w',
    });
  });

  describe('a service (or node) no check belongs to', () => {
    it('is critical when it does not exist, naming the service and node', () => {
      assert.deepEqual(
        aliasResult([check('serf', 'passing')], web, () => false),
        {
          status: 'critical',
          output: 'Service web could not be found on node n1',
        },
      );
    });

    it('is read from the checks alone when the existence test keeps its default (missing)', () => {
      assert.equal(aliasResult([check('serf', 'passing')], web).status, 'critical');
    });

    it('keeps the checks’ verdict when the service exists', () => {
      assert.deepEqual(aliasResult([check('serf', 'passing')], web, exists), {
        status: 'passing',
        output: ALIAS_ALL_PASSING_OUTPUT,
      });
    });

    it('asks about the aliased service ID', () => {
      const asked: string[] = [];
      aliasResult([], web, (id) => {
        asked.push(id);
        return true;
      });
      assert.deepEqual(asked, ['web']);
      assert.equal(
        aliasResult([check('svc', 'passing', { service: 'web' })], web, () => assert.fail()).status,
        'passing',
      );
    });

    it('names no node for a local alias', () => {
      assert.equal(
        aliasResult([], { node: '', serviceId: 'web' }).output,
        'Service web could not be found on node ',
      );
    });

    it('for a node alias without node checks: critical, the service named ""', () => {
      assert.deepEqual(aliasResult([check('svc', 'passing', { service: 'web' })], node), {
        status: 'critical',
        output: 'Service  could not be found on node n1',
      });
    });

    it('is asked about even after a critical node check, as Consul stops reading there', () => {
      const checks = [check('serfHealth', 'critical'), check('svc', 'passing', { service: 'web' })];
      assert.deepEqual(
        aliasResult(checks, web, () => false),
        {
          status: 'critical',
          output: 'Service web could not be found on node n1',
        },
      );
      assert.equal(
        aliasResult(checks, web, exists).output,
        'Aliased check "serfHealth" failing: serfHealth says critical',
      );
    });
  });

  it('counts maintenance and other statuses as passing, as Consul does', () => {
    const checks = [check('m', 'maintenance', { service: 'web' })];
    assert.deepEqual(aliasResult(checks, web), { status: 'passing', output: ALIAS_ALL_PASSING_OUTPUT });
  });
});
