import type { PluginContext } from '@concierge/plugin-sdk';
import { toolParameters } from '../chat/index.ts';
import type { ToolDefinition, ToolProvider } from '../chat/index.ts';
import type { RemoteCustomerOrders, RemoteOrderLookup } from '../orders/index.ts';
import type { HostedPlugin } from './host.ts';
import type { InstallationRow } from './plugin-state.repository.ts';

/**
 * What plugins contribute to the chat: tools (`plugin.tools`, offered as `<pluginId>__<name>`)
 * and order lookups (`plugin.orders`), each only for tenants with an active installation of the
 * plugin, run with that installation's PluginContext (never knex, never another tenant's secrets).
 */
export interface PluginInstallationsDeps {
  plugins: () => HostedPlugin[];
  /** The tenant's active installations. */
  installations: (tenantId: string) => Promise<InstallationRow[]>;
  contextFor: (hosted: HostedPlugin, installation: InstallationRow) => PluginContext<unknown, unknown, unknown>;
  /** How long a tenant's installations are cached. Default 30 s. */
  cacheMs?: number;
  now?: () => number;
}

export class PluginInstallations {
  private readonly cache = new Map<string, { at: number; rows: Promise<InstallationRow[]> }>();

  constructor(private readonly deps: PluginInstallationsDeps) {}

  /** Plugins having `pick`, each with the tenant's active installation and its context. */
  async installed<T>(tenantId: string, pick: (hosted: HostedPlugin) => T | undefined): Promise<{ hosted: HostedPlugin; capability: T; installation: InstallationRow }[]> {
    const candidates = this.deps.plugins().flatMap((hosted) => {
      const capability = pick(hosted);
      return capability === undefined ? [] : [{ hosted, capability }];
    });
    // Most stores have no such plugin: then no query at all on the chat's hot path.
    if (candidates.length === 0) return [];
    const installations = await this.forTenant(tenantId);
    return candidates.flatMap(({ hosted, capability }) => {
      const installation = installations.find((i) => i.plugin_id === hosted.id && i.status === 'active');
      return installation ? [{ hosted, capability, installation }] : [];
    });
  }

  context(hosted: HostedPlugin, installation: InstallationRow) {
    return this.deps.contextFor(hosted, installation);
  }

  private forTenant(tenantId: string): Promise<InstallationRow[]> {
    const now = (this.deps.now ?? Date.now)();
    const hit = this.cache.get(tenantId);
    if (hit && now - hit.at < (this.deps.cacheMs ?? 30_000)) return hit.rows;
    const rows = this.deps.installations(tenantId);
    this.cache.set(tenantId, { at: now, rows });
    rows.catch(() => this.cache.delete(tenantId));
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return rows;
  }
}

export function pluginToolProvider(installations: PluginInstallations): ToolProvider {
  return {
    async tools(ctx) {
      const found = await installations.installed(ctx.tenantId, (p) => (p.plugin.tools?.length ? p.plugin.tools : undefined));
      const out: ToolDefinition[] = [];
      for (const { hosted, capability, installation } of found) {
        for (const tool of capability) {
          out.push({
            spec: { name: `${hosted.id}__${tool.name}`, description: tool.description, parameters: toolParameters(tool.parameters) },
            args: tool.parameters,
            timeoutMs: 10_000,
            handler: async (_ctx, args) => ({ result: await tool.run(installations.context(hosted, installation), args) }),
          });
        }
      }
      return out;
    },
  };
}

/** Asks each installed plugin with an `orders` capability; the first that knows the order answers. */
export function pluginOrderLookup(installations: PluginInstallations, onError: (pluginId: string, error: unknown, installation: InstallationRow) => void): RemoteOrderLookup {
  return async (tenantId, input) => {
    for (const { hosted, capability, installation } of await installations.installed(tenantId, (p) => p.plugin.orders)) {
      try {
        const order = await capability.findByNumber(installations.context(hosted, installation), input);
        if (order) return { source: hosted.id, order };
      } catch (error) {
        onError(hosted.id, error, installation);
      }
    }
    return undefined;
  };
}

/** Asks each installed plugin that can list a verified customer's orders; one failing plugin does not stop the others. */
export function pluginCustomerOrders(installations: PluginInstallations, onError: (pluginId: string, error: unknown, installation: InstallationRow) => void): RemoteCustomerOrders {
  return async (tenantId, input) => {
    const out: Awaited<ReturnType<RemoteCustomerOrders>> = [];
    for (const { hosted, capability, installation } of await installations.installed(tenantId, (p) => p.plugin.orders?.findForCustomer ? p.plugin.orders : undefined)) {
      try {
        out.push({ source: hosted.id, orders: await capability.findForCustomer!(installations.context(hosted, installation), input) });
      } catch (error) {
        onError(hosted.id, error, installation);
      }
    }
    return out;
  };
}
