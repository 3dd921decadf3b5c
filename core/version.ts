import { readFileSync } from 'node:fs';

/** The core's version, which plugin manifests' `coreRange` is checked against. */
export const CORE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
