/** The plugin host's public surface: hosted plugins, their installations, and what they contribute to the chat. */
export type { HostedPlugin } from './host.ts';
export { PluginInstallations, pluginCustomerOrders, pluginOrderLookup, pluginToolProvider } from './plugin-contributions.ts';
export { EmbeddedAdmin, type EmbeddedPage, type PlatformSession } from './embedded-admin.ts';
