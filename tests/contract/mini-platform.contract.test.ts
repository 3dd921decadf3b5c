import { afterAll, describe, expect, it } from 'vitest';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import miniPlugin from '../fakes/mini-platform/plugin.ts';
import { startMiniPlatform } from '../fakes/mini-platform/server.ts';
import { miniContract } from './mini-platform.fixture.ts';

// The host's test plugin passes the whole contract against its fake platform.
const fake = await startMiniPlatform();
afterAll(() => fake.close());

runPluginContract({ describe, it, expect }, miniContract(fake, miniPlugin));
