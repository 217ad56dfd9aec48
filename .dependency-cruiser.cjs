/**
 * Layer rules from ../shared/DESIGN.md ("Layers"). Lower layers never import higher ones;
 * only src/io (and the CLI entry point) touch node:* modules.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const layer = (name) => `^src/${name}/`;
const only = (from, allowed) => ({
  name: `${from}-imports`,
  comment: `src/${from} may import only: ${allowed.join(', ')}`,
  severity: 'error',
  // Production code only: tests may also use src/sim and the testing/ helpers of other layers.
  from: { path: layer(from), pathNot: ['\\.test\\.ts$', '/testing/'] },
  to: {
    path: '^src/',
    pathNot: [layer(from), ...allowed.map(layer)],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    only('lib', []),
    only('model', ['lib']),
    only('ports', ['lib', 'model', 'raft']),
    only('state', ['lib', 'model']),
    only('fsm', ['lib', 'model', 'state']),
    only('acl', ['lib', 'model']),
    only('health', ['lib', 'model', 'ports']),
    only('discovery', ['lib', 'model', 'state', 'acl']),
    only('raft', ['lib']),
    only('gossip', ['lib', 'model', 'ports']),
    only('storage', ['lib', 'ports', 'raft']),
    only('server', ['lib', 'model', 'ports', 'state', 'fsm', 'raft', 'storage', 'acl', 'health', 'discovery']),
    only('client', ['lib', 'model', 'ports', 'state', 'health', 'discovery']),
    only('rpc', ['lib', 'model', 'ports']),
    only('http', ['lib', 'model', 'ports', 'state', 'fsm', 'server', 'client', 'discovery', 'health', 'acl']),
    only('dns', ['lib', 'model', 'ports', 'state', 'server', 'client', 'discovery']),
    only('io', ['lib', 'model', 'ports', 'raft']),
    only('api-client', ['lib', 'model']),
    only('ui', ['lib', 'model', 'api-client']),
    only('cli', ['lib', 'model', 'api-client', 'agent', 'io', 'http', 'ports']),
    {
      name: 'node-builtins-only-in-io',
      comment: 'Only src/io and the CLI entry point talk to node:*; everything else gets IO through src/ports.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/io/', '^src/cli/main\\.ts$', '^src/sim/', '\\.test\\.ts$', '/testing/'] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-sim-in-production',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/sim/', '\\.test\\.ts$', '/testing/'] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'no-dev-deps-in-production',
      comment: 'The UI build config runs vite; it is not shipped code.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '/testing/', '^src/ui/vite\\.config\\.ts$'] },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
