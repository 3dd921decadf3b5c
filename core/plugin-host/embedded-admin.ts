import type { EmbeddedAdminPage } from '@concierge/plugin-sdk';
import type { Logger } from 'pino';
import type { PluginHost } from './host.ts';
import type { PluginStateRepository } from './plugin-state.repository.ts';

/**
 * The dashboard inside a platform's admin (Shopify's embedded app; issue 12): which account a page is
 * opened for and what its frame and admin SDK are, and the platform's session tokens checked for
 * the merchant API. Only accounts with an ACTIVE installation get either.
 */

export interface EmbeddedPage extends EmbeddedAdminPage {
  pluginId: string;
  externalId: string;
}

/** A verified platform session token: the store (tenant) it reaches and the platform's user. */
export interface PlatformSession {
  tenantId: string;
  pluginId: string;
  externalId: string;
  /** The platform's staff user (`sub`); null when the token names none. */
  platformUserId: string | null;
}

/** Longer than any session token a platform mints; refused before any work. */
const MAX_TOKEN_LENGTH = 4096;

const isHttpsOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.origin === value;
  } catch {
    return false;
  }
};
/** A script URL fit for a CSP source list and an HTML attribute: https, no spaces, quotes, semicolons or commas. */
const isScriptUrl = (value: string): boolean => /^https:\/\/[^\s"'<>;,]+$/.test(value) && URL.canParse(value);

export class EmbeddedAdmin {
  constructor(private readonly deps: { host: PluginHost; repository: PluginStateRepository; logger: Logger }) {}

  /** The embedded page for `/admin`'s query, or undefined (not an embedded load, unknown or inactive account). */
  async page(query: Record<string, string>): Promise<EmbeddedPage | undefined> {
    for (const hosted of this.deps.host.list()) {
      const capability = hosted.plugin.embeddedAdmin;
      if (!capability) continue;
      let externalId: string | undefined;
      try {
        externalId = capability.account(hosted.setupContext, query);
      } catch {
        externalId = undefined;
      }
      if (!externalId) continue;
      const installation = await this.deps.repository.findInstallationForAccount(hosted.id, externalId);
      if (installation?.status !== 'active') return undefined;
      const page = capability.page(hosted.setupContext, externalId);
      // What goes into the CSP and the HTML is checked here, whatever the plugin returned.
      if (page.frameAncestors.length === 0 || !page.frameAncestors.every(isHttpsOrigin) || !page.scripts.every(isScriptUrl)) {
        this.deps.logger.error({ pluginId: hosted.id }, 'embeddedAdmin.page returned frame ancestors or scripts that are not plain https URLs; not embedding');
        return undefined;
      }
      return { pluginId: hosted.id, externalId, frameAncestors: [...page.frameAncestors], scripts: [...page.scripts], meta: { ...page.meta } };
    }
    return undefined;
  }

  /** A platform session token → the tenant of that account's active installation; undefined for anything else. */
  async session(token: string): Promise<PlatformSession | undefined> {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    for (const hosted of this.deps.host.list()) {
      const capability = hosted.plugin.embeddedAdmin;
      if (!capability) continue;
      let verified: { externalId: string; userId?: string } | undefined;
      try {
        verified = capability.verifySessionToken(hosted.setupContext, token);
      } catch (error) {
        this.deps.logger.warn({ pluginId: hosted.id, err: error }, 'embeddedAdmin.verifySessionToken threw; treated as invalid');
        verified = undefined;
      }
      if (!verified?.externalId) continue;
      const installation = await this.deps.repository.findInstallationForAccount(hosted.id, verified.externalId);
      if (installation?.status !== 'active') return undefined;
      return { tenantId: installation.tenant_id, pluginId: hosted.id, externalId: verified.externalId, platformUserId: verified.userId ?? null };
    }
    return undefined;
  }
}
