import type { ToolRegistry } from '../chat/index.ts';
import type { OrdersService } from './orders.service.ts';
import { lookupOrderTool } from './orders.tools.schema.ts';

/** The orders module's chat tool: lookup_order (contract: orders.tools.schema.ts). */
export function registerOrderTools(registry: Pick<ToolRegistry, 'registerContract'>, orders: OrdersService): void {
  registry.registerContract(lookupOrderTool, async (ctx, args) => ({
    result: await orders.lookup(ctx.tenantId, { orderNumber: args.orderNumber, email: args.email, verified: ctx.visitor.verified, timeZone: ctx.timeZone }),
  }));
}
