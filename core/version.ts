import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './runtime-layout.ts';

/** The core's version, which plugin manifests' `coreRange` is checked against. */
export const CORE_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
