import { describe, expect, it } from 'vitest';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import scriptTag from '../../plugins/script-tag/index.ts';

runPluginContract({ describe, it, expect }, { plugin: scriptTag });
