import { z } from 'zod';
import type { PluginDefinition } from './types.ts';

export * from './crypto.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './money.ts';
export * from './normalize.ts';
export * from './types.ts';

/** The plugin SDK's own version (from its package.json); plugins state the range they support in `coreRange`. */
export { SDK_VERSION } from './version.ts';

export const PLUGIN_ID = /^[a-z][a-z0-9-]{1,39}$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const zodSchema = z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema');

/** What the host checks before anything of a plugin runs. */
export const manifestSchema = z.object({
  id: z.string().regex(PLUGIN_ID, 'must be lower-case letters, digits and dashes, 2-40 characters, starting with a letter'),
  name: z.string().min(1),
  version: z.string().regex(SEMVER, 'must be a semver version such as 1.2.3'),
  coreRange: z.string().min(1),
  description: z.string().optional(),
  dependsOn: z.array(z.string().regex(PLUGIN_ID)).optional(),
  scopes: z.array(z.string()).optional(),
  config: zodSchema.optional(),
  secrets: zodSchema.optional(),
  settings: zodSchema.optional(),
});

/** Identity function that gives plugin authors full type inference from their manifest's schemas. */
export function definePlugin<Config extends z.ZodType = z.ZodObject<{}>, Secrets extends z.ZodType = z.ZodObject<{}>, Settings extends z.ZodType = z.ZodObject<{}>>(
  definition: PluginDefinition<Config, Secrets, Settings>,
): PluginDefinition<Config, Secrets, Settings> {
  return definition;
}
