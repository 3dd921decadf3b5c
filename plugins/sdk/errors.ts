/** Errors a plugin raises or the host reports; `code` is stable, messages may change. */
export type PluginErrorCode =
  | 'PLUGIN_MANIFEST_INVALID'
  | 'PLUGIN_CORE_RANGE'
  | 'PLUGIN_DEPENDENCY_MISSING'
  | 'PLUGIN_DEPENDENCY_CYCLE'
  | 'PLUGIN_DUPLICATE_ID'
  | 'PLUGIN_SETUP_FAILED'
  | 'PLUGIN_CONFIG_INVALID'
  | 'PLUGIN_NOT_INSTALLED'
  | 'INSTALL_STATE_INVALID'
  /** The platform's own install/callback parameters are wrong (HMAC, timestamp, shop domain, missing code): 400/401. */
  | 'INSTALL_REQUEST_INVALID'
  /** A platform-started install gave no account facts to create the store from: 400. */
  | 'INSTALL_ACCOUNT_MISSING'
  | 'UPSTREAM_RETRYABLE'
  | 'UPSTREAM_FAILED'
  /**
   * The platform refused our credentials (revoked key, uninstalled app). Thrown from a capability,
   * the host marks the installation `reconnect_needed` (visible in GET /api/v1/installations) and
   * the chat answers without it; a new install/connect makes it `active` again.
   */
  | 'UPSTREAM_AUTH'
  | 'WEBHOOK_SIGNATURE_INVALID'
  | 'WEBHOOK_PAYLOAD_INVALID'
  | 'NOT_SUPPORTED';

/**
 * How the host answers a PluginError thrown on an HTTP path (install routes, plugin routes):
 * 4xx for anything the caller got wrong, 502/503 for upstream trouble. Never 500 for a coded error.
 */
export const PLUGIN_ERROR_STATUS: Record<PluginErrorCode, number> = {
  PLUGIN_MANIFEST_INVALID: 500,
  PLUGIN_CORE_RANGE: 500,
  PLUGIN_DEPENDENCY_MISSING: 500,
  PLUGIN_DEPENDENCY_CYCLE: 500,
  PLUGIN_DUPLICATE_ID: 500,
  PLUGIN_SETUP_FAILED: 500,
  PLUGIN_CONFIG_INVALID: 400,
  PLUGIN_NOT_INSTALLED: 404,
  INSTALL_STATE_INVALID: 400,
  INSTALL_REQUEST_INVALID: 400,
  INSTALL_ACCOUNT_MISSING: 400,
  UPSTREAM_RETRYABLE: 503,
  UPSTREAM_FAILED: 502,
  UPSTREAM_AUTH: 502,
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_PAYLOAD_INVALID: 400,
  NOT_SUPPORTED: 400,
};

export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    readonly details: { pluginId?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get retryable(): boolean {
    return this.code === 'UPSTREAM_RETRYABLE';
  }
}

export function isPluginError(error: unknown, code?: PluginErrorCode): error is PluginError {
  return error instanceof PluginError && (code === undefined || error.code === code);
}
