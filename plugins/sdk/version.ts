import { createRequire } from 'node:module';

/**
 * The SDK's version, read from its own package.json (the one place it is written): it is the
 * contract version a plugin's `coreRange` is checked against (decision 0003). The package refers
 * to itself by name, so this works from the sources in the repo and from the built `dist/`.
 */
const manifest = createRequire(import.meta.url)('@concierge/plugin-sdk/package.json') as { version: string };

export const SDK_VERSION: string = manifest.version;
