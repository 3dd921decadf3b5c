/**
 * The dependency rules of design.md §2, checked on every `npm test`.
 * A violation names the rule and the offending import.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-not-to-plugins-or-adapters',
      comment: 'core/ never imports plugins/ or adapters/, except the composition root core/bootstrap.ts (the SDK package is the contract and allowed).',
      severity: 'error',
      from: { path: '^core/', pathNot: '^core/bootstrap\\.ts$' },
      to: { path: '^(adapters/|plugins/(?!sdk/))' },
    },
    {
      name: 'plugins-only-sdk',
      comment: 'A plugin imports only the plugin SDK (and its platform client library), never core/ or adapters/ or another plugin.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/' },
      to: { path: '^(core/|adapters/|plugins/)', pathNot: ['^plugins/sdk/', '^plugins/$1/'] },
    },
    {
      name: 'sdk-self-contained',
      comment: 'The SDK is published on its own: it may not reach into the core.',
      severity: 'error',
      from: { path: '^plugins/sdk/' },
      to: { path: '^(core/|adapters/)' },
    },
    {
      name: 'adapters-only-ports',
      comment: 'Adapters import only the port types they implement (core/**/*.port.ts) — not services, repositories or routes.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^core/', pathNot: '\\.port\\.ts$|^core/chat/tool-results\\.ts$' },
    },
    {
      name: 'widget-over-http-only',
      comment: 'The widget and the storefront apps talk to the core over HTTP; they may share only the wire schemas (core/wire).',
      severity: 'error',
      from: { path: '^(widget|storefront-apps)/' },
      to: { path: '^(core/(?!wire/)|adapters/|plugins/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(core|plugins|adapters)/' },
      to: { circular: true, pathNot: '^core/bootstrap\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'], extensions: ['.ts', '.tsx', '.js'] },
    exclude: { path: '(^|/)(node_modules|dist)/' },
  },
};
