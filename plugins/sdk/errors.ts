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
  | 'UPSTREAM_RETRYABLE'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_AUTH'
  | 'WEBHOOK_SIGNATURE_INVALID'
  | 'WEBHOOK_PAYLOAD_INVALID'
  | 'NOT_SUPPORTED';

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
