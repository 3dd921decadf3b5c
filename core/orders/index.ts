/** The orders module's public surface: the order cache, order lookup for the chat, remote lookups through plugins. */
export type { OrderInput } from './orders.repository.ts';
export type { OrdersService, RemoteCustomerOrders, RemoteOrderLookup } from './orders.service.ts';
export { lookupOrderTool } from './orders.tools.schema.ts';
