import { DomainError } from '../kernel/domain-error.ts';

/**
 * Coded errors of the plugin host's install flows; a plugin's own refusals stay `PluginError`s
 * (@concierge/plugin-sdk). Routes map both (core/plugin-host/plugin-errors.problems.ts).
 */
export type PluginHostErrorCode =
  /** No such plugin, or it has no install (or no install callback). */
  | 'NOT_INSTALLABLE'
  /** The install link (state) is unknown, expired or used. */
  | 'INSTALL_STATE_INVALID'
  /** The platform account is connected to another store. */
  | 'INSTALL_ACCOUNT_TAKEN'
  /** The plugin threw something that is not a PluginError, or returned an unusable result. */
  | 'PLUGIN_FAILED';

export class PluginHostError extends DomainError<PluginHostErrorCode> {}

export const pluginHostErrors = {
  notInstallable: (message: string) => new PluginHostError('NOT_INSTALLABLE', message),
  installStateInvalid: () => new PluginHostError('INSTALL_STATE_INVALID', 'The install link is invalid, expired or already used; start the install again.'),
  accountTaken: (pluginId: string) => new PluginHostError('INSTALL_ACCOUNT_TAKEN', `This ${pluginId} account is connected to another store; disconnect it there first.`),
  pluginFailed: (pluginId: string) =>
    new PluginHostError('PLUGIN_FAILED', `The ${pluginId} plugin could not finish the install.`, { extras: { code: 'UPSTREAM_FAILED' } }),
};
