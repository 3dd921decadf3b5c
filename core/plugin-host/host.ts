import { manifestSchema, PluginError, SDK_VERSION, type AnyPlugin, type PluginErrorCode, type PluginHttpClient, type PluginEnvironment, type PluginLogger, type PluginSetupContext } from '@concierge/plugin-sdk';
import semver from 'semver';

/**
 * The plugin host (design.md §5): validates every manifest and its core range before any
 * plugin code runs, sets plugins up in dependency order and tears them down in reverse.
 * A plugin that fails is reported by id with a coded reason; the others still start.
 */

export interface PluginCandidate {
  /** The folder name; a manifest id that differs is rejected. */
  id: string;
  load(): Promise<unknown>;
}

export interface PluginFailure {
  id: string;
  code: PluginErrorCode;
  reason: string;
}

export interface HostedPlugin {
  id: string;
  plugin: AnyPlugin;
  settings: unknown;
  setupContext: PluginSetupContext<unknown>;
}

export interface PluginHostOptions {
  /** The contract version `coreRange` is checked against: the SDK's (decision 0003); tests may override. */
  coreVersion?: string;
  logger: PluginLogger & { child(bindings: object): PluginLogger };
  publicUrl: string;
  /** `PLUGIN_*` variables from the validated config; a plugin's settings come from `PLUGIN_<ID>_<NAME>`. */
  pluginEnv: Record<string, string>;
  http: PluginHttpClient;
  /** NODE_ENV of the core, given to plugins as `ctx.environment`. */
  environment?: PluginEnvironment;
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function settingsFromEnv(pluginId: string, env: Record<string, string>): Record<string, string> {
  const prefix = `PLUGIN_${pluginId.toUpperCase().replace(/-/g, '_')}_`;
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [camel(key.slice(prefix.length)), value]));
}

export class PluginHost {
  private readonly started: HostedPlugin[] = [];
  readonly failures: PluginFailure[] = [];

  constructor(private readonly options: PluginHostOptions) {}

  get(id: string): HostedPlugin | undefined {
    return this.started.find((p) => p.id === id);
  }

  list(): HostedPlugin[] {
    return [...this.started];
  }

  /** `level` info: a plugin left unconfigured on purpose (none of its variables set) is not an error. */
  private fail(id: string, code: PluginErrorCode, reason: string, level: 'error' | 'info' = 'error'): void {
    this.failures.push({ id, code, reason });
    this.options.logger[level]({ pluginId: id, code }, `plugin ${id} not started: ${reason}`);
  }

  async start(candidates: PluginCandidate[]): Promise<{ started: string[]; failed: PluginFailure[] }> {
    const valid = new Map<string, { plugin: AnyPlugin; settings: unknown }>();

    for (const candidate of candidates) {
      let loaded: unknown;
      try {
        loaded = await candidate.load();
      } catch (error) {
        this.fail(candidate.id, 'PLUGIN_MANIFEST_INVALID', `its module failed to load: ${(error as Error).message}`);
        continue;
      }
      const plugin = ((loaded as { default?: unknown })?.default ?? loaded) as AnyPlugin;
      const manifest = manifestSchema.safeParse(plugin?.manifest);
      if (!manifest.success) {
        const issues = manifest.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ');
        this.fail(candidate.id, 'PLUGIN_MANIFEST_INVALID', `invalid manifest (${issues})`);
        continue;
      }
      const { id, coreRange } = manifest.data;
      if (id !== candidate.id) {
        this.fail(candidate.id, 'PLUGIN_MANIFEST_INVALID', `manifest id "${id}" must equal its folder name "${candidate.id}"`);
        continue;
      }
      if (valid.has(id)) {
        this.fail(id, 'PLUGIN_DUPLICATE_ID', 'another plugin already uses this id');
        continue;
      }
      if (semver.validRange(coreRange) === null) {
        this.fail(id, 'PLUGIN_MANIFEST_INVALID', `coreRange "${coreRange}" is not a semver range`);
        continue;
      }
      const contractVersion = this.options.coreVersion ?? SDK_VERSION;
      if (!semver.satisfies(contractVersion, coreRange, { includePrerelease: true })) {
        this.fail(id, 'PLUGIN_CORE_RANGE', `supports core ${coreRange}, this core is ${contractVersion}`);
        continue;
      }
      const rawSettings = settingsFromEnv(id, this.options.pluginEnv);
      const settings = plugin.manifest.settings ? plugin.manifest.settings.safeParse(rawSettings) : { success: true as const, data: rawSettings };
      if (!settings.success) {
        const prefix = `PLUGIN_${id.toUpperCase().replace(/-/g, '_')}_`;
        const variable = (i: { path: PropertyKey[] }) => `${prefix}${String(i.path[0] ?? '').replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
        // None of its variables set: a platform this install does not use (the demo store, a site
        // on one platform only). Said once at info, with what to set; a half-set one is an error.
        if (Object.keys(rawSettings).length === 0) {
          const needed = [...new Set(settings.error.issues.map(variable))].join(', ');
          this.fail(id, 'PLUGIN_CONFIG_INVALID', `not configured (set ${needed} to use it)`, 'info');
          continue;
        }
        const issues = settings.error.issues.map((i) => `${variable(i)}: ${i.message}`).join('; ');
        this.fail(id, 'PLUGIN_CONFIG_INVALID', `invalid settings (${issues})`);
        continue;
      }
      valid.set(id, { plugin, settings: settings.data });
    }

    for (const id of this.setupOrder(valid)) {
      const entry = valid.get(id)!;
      const missing = (entry.plugin.manifest.dependsOn ?? []).filter((dep) => !this.get(dep));
      if (missing.length > 0) {
        this.fail(id, 'PLUGIN_DEPENDENCY_MISSING', `needs ${missing.join(', ')}, which did not start`);
        continue;
      }
      const setupContext: PluginSetupContext<unknown> = {
        pluginId: id,
        logger: this.options.logger.child({ pluginId: id }),
        settings: entry.settings,
        http: this.options.http,
        publicUrl: this.options.publicUrl,
        environment: this.options.environment ?? 'development',
      };
      try {
        await entry.plugin.setup?.(setupContext);
        this.started.push({ id, plugin: entry.plugin, settings: entry.settings, setupContext });
      } catch (error) {
        this.fail(id, 'PLUGIN_SETUP_FAILED', `setup threw: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    return { started: this.started.map((p) => p.id), failed: [...this.failures] };
  }

  /** Kahn's algorithm, alphabetical among equals; missing dependencies and cycles are reported. */
  private setupOrder(valid: Map<string, { plugin: AnyPlugin }>): string[] {
    const deps = new Map<string, Set<string>>();
    for (const [id, { plugin }] of valid) {
      const wanted = plugin.manifest.dependsOn ?? [];
      const absent = wanted.filter((dep) => !valid.has(dep));
      if (absent.length > 0) {
        this.fail(id, 'PLUGIN_DEPENDENCY_MISSING', `needs ${absent.join(', ')}, which is not available`);
        continue;
      }
      deps.set(id, new Set(wanted));
    }
    // Drop plugins whose dependencies were dropped, until stable.
    let changed = true;
    while (changed) {
      changed = false;
      for (const [id, wanted] of deps) {
        const gone = [...wanted].filter((dep) => !deps.has(dep));
        if (gone.length > 0) {
          deps.delete(id);
          this.fail(id, 'PLUGIN_DEPENDENCY_MISSING', `needs ${gone.join(', ')}, which did not start`);
          changed = true;
        }
      }
    }
    const order: string[] = [];
    const remaining = new Map([...deps].map(([id, wanted]) => [id, new Set(wanted)]));
    while (remaining.size > 0) {
      const ready = [...remaining].filter(([, wanted]) => wanted.size === 0).map(([id]) => id).sort();
      if (ready.length === 0) {
        for (const id of [...remaining.keys()].sort()) this.fail(id, 'PLUGIN_DEPENDENCY_CYCLE', `dependency cycle among ${[...remaining.keys()].sort().join(', ')}`);
        break;
      }
      for (const id of ready) {
        order.push(id);
        remaining.delete(id);
        for (const wanted of remaining.values()) wanted.delete(id);
      }
    }
    return order;
  }

  /** Teardown in reverse setup order; one failure does not stop the others. */
  async stop(): Promise<void> {
    for (const hosted of [...this.started].reverse()) {
      try {
        await hosted.plugin.teardown?.();
      } catch (error) {
        this.options.logger.error({ pluginId: hosted.id, err: error }, 'plugin teardown failed');
      }
    }
    this.started.length = 0;
  }
}

/** fetch with a host-enforced timeout; network failures become retryable PluginErrors. */
export function createPluginHttpClient(defaultTimeoutMs = 10_000): PluginHttpClient {
  return {
    async fetch(url, init = {}) {
      const { timeoutMs = defaultTimeoutMs, ...rest } = init;
      const signal = rest.signal ? AbortSignal.any([rest.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      try {
        return await fetch(url, { ...rest, signal });
      } catch (error) {
        throw new PluginError('UPSTREAM_RETRYABLE', `request to ${new URL(String(url)).host} failed: ${(error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message}`, { cause: error });
      }
    },
  };
}
