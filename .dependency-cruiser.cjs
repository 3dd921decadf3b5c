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
      comment:
        'Adapters import only the port types they implement (core/**/*.port.ts), and a model adapter the tool contracts it plays against (core/kernel/tool-contract.ts, core/<module>/*.tools.schema.ts, and the pure wire shapes and formatters core/wire/shapes|datetime|money.ts) — not services, repositories or routes.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^core/', pathNot: '\\.port\\.ts$|^core/kernel/tool-contract\\.ts$|^core/[^/]+/[^/]+\\.tools\\.schema\\.ts$|^core/wire/(shapes|datetime|money)\\.ts$' },
    },
    {
      name: 'widget-over-http-only',
      comment: 'The widget and the storefront apps talk to the core over HTTP; they may share only the wire schemas (core/wire).',
      severity: 'error',
      from: { path: '^(widget|storefront-apps)/' },
      to: { path: '^(core/(?!wire/)|adapters/|plugins/)' },
    },
    {
      name: 'module-entry-only',
      comment:
        'A domain module (accounts, tenancy, catalog, orders, chat, booking, analytics, plugin-host, widget-access) is entered through its core/<module>/index.ts only. The composition root (core/bootstrap.ts) may import what it wires; core/wire/merchant.ts reads the modules\' wire schemas as types for the dashboard.',
      severity: 'error',
      from: { path: '^core/([^/]+)/', pathNot: '^core/wire/merchant\\.ts$' },
      to: {
        path: '^core/(accounts|tenancy|catalog|orders|chat|booking|analytics|plugin-host|widget-access)/',
        pathNot: ['^core/$1/', '^core/[^/]+/index\\.ts$', '\\.port\\.ts$', '\\.tools\\.schema\\.ts$'],
      },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No cycle between core folders: a module that needs another never needs to be needed by it (move the shared part to core/kernel or core/wire, or invert it with a callback the composition root passes).',
      severity: 'error',
      from: { path: '^core/([^/]+)/' },
      to: { path: '^core/([^/]+)/', pathNot: '^core/$1/', circular: true },
    },
    {
      name: 'domain-not-demo',
      comment: 'Domain code never imports demo data (core/demo seeds through the modules\' public surfaces).',
      severity: 'error',
      from: { path: '^core/', pathNot: '^core/(demo/|bootstrap\\.ts$)' },
      to: { path: '^core/demo/' },
    },
    {
      name: 'no-dev-dependency-at-runtime',
      comment:
        'Runtime code (core/, adapters/, plugins/ outside the test kit) may not import a devDependency: `npm ci --omit=dev` would crash on it. Move the package to dependencies (or import only its types).',
      severity: 'error',
      from: { path: '^(core|adapters|plugins)/', pathNot: '^plugins/[^/]+/testkit/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'runtime-dependency-declared',
      comment: 'Runtime code may not import a package that package.json does not declare (it would work only by accident, through another package).',
      severity: 'error',
      from: { path: '^(core|adapters|plugins)/', pathNot: '^plugins/[^/]+/testkit/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'unknown'] },
    },
    {
      name: 'domain-not-to-http',
      comment:
        'Domain code speaks coded errors (core/kernel/domain-error.ts), not HTTP: services, repositories, *.errors.ts, the kernel and the other converted domain files never import core/http/; each routes file maps the codes to problems.',
      severity: 'error',
      from: {
        path: '^core/(kernel/|.+\\.(service|repository|errors)\\.ts$|accounts/(authenticator|auth-context|password-policy)\\.ts$|security/rate-limit\\.ts$|analytics/analytics\\.range\\.ts$)',
      },
      to: { path: '^core/http/' },
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
    // node_modules is not excluded (only not followed): the rules above need to see which package an import reaches.
    // Build output (the bundles, the SDK's published JS and .d.ts) is not source.
    exclude: { path: '^(dist|plugins/sdk/dist)/' },
  },
};
