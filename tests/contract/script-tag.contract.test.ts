import { describe, expect, it } from 'vitest';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import scriptTag from '../../plugins/script-tag/index.ts';

// `install` skipped: its begin connects no platform account — it only shows the merchant the same
// snippet `storefront.embed` returns (checked by the kit), or `done` — so there is no installation
// for the kit's install tests to check (they need an `installed` result).
runPluginContract({ describe, it, expect }, { plugin: scriptTag, skip: ['install'] });
