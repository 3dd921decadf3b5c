/**
 * The tools the core offers every conversation, as a model adapter that plays the model itself
 * (the offline model) needs to know them: names, argument specs and result schemas. Each module
 * owns its contracts (`core/<module>/<module>.tools.schema.ts`); this file only gathers them for
 * the adapters (and their tests). A tool a plugin adds is not here: the offline model ignores it.
 */
import type { z } from 'zod';
import { findSlotsTool, listServicesTool, proposeBookingTool } from '../../core/booking/booking.tools.schema.ts';
import { getProductTool, searchFaqTool, searchProductsTool } from '../../core/catalog/catalog.tools.schema.ts';
import { handoffTool } from '../../core/chat/chat.tools.schema.ts';
import { parseToolArguments, toolSpec, type ParsedToolArguments, type ToolErrorResult } from '../../core/kernel/tool-contract.ts';
import type { LlmToolSpec } from '../../core/chat/llm.port.ts';
import { lookupOrderTool } from '../../core/orders/orders.tools.schema.ts';

export type { FindSlotsResult, ListServicesResult, ProposeBookingResult, Service } from '../../core/booking/booking.tools.schema.ts';
export type { GetProductResult, Product, ProductVariant, SearchFaqResult, SearchProductsResult } from '../../core/catalog/catalog.tools.schema.ts';
export type { HandoffResult } from '../../core/chat/chat.tools.schema.ts';
export { ToolErrorResultSchema, type ToolErrorResult } from '../../core/kernel/tool-contract.ts';
export type { LookupOrderResult, Order, OrderStatus } from '../../core/orders/orders.tools.schema.ts';
export type { Money, Slot } from '../../core/wire/shapes.ts';

const contracts = {
  searchProducts: searchProductsTool,
  getProduct: getProductTool,
  searchFaq: searchFaqTool,
  lookupOrder: lookupOrderTool,
  handoff: handoffTool,
  listServices: listServicesTool,
  findSlots: findSlotsTool,
  proposeBooking: proposeBookingTool,
} as const;
type Contracts = typeof contracts;

/** Tool names by role, e.g. `CORE_TOOLS.searchProducts` = "search_products". */
export const CORE_TOOLS = Object.fromEntries(Object.entries(contracts).map(([key, c]) => [key, c.name])) as { [K in keyof Contracts]: Contracts[K]['name'] };
export type CoreToolName = Contracts[keyof Contracts]['name'];

type ContractByName = { [K in keyof Contracts as Contracts[K]['name']]: Contracts[K] };
const byName = Object.fromEntries(Object.values(contracts).map((c) => [c.name, c])) as unknown as ContractByName;

/** Each core tool's result schema by tool name. */
export const coreToolResultSchemas = Object.fromEntries(Object.values(contracts).map((c) => [c.name, c.result])) as { [N in CoreToolName]: ContractByName[N]['result'] };
export type CoreToolResultMap = { [N in CoreToolName]: z.infer<ContractByName[N]['result']> };
export type CoreToolArgsMap = { [N in CoreToolName]: z.infer<ContractByName[N]['args']> };
/** What a tool implementation may return: its result, or the shared error shape. */
export type CoreToolOutcome<N extends CoreToolName> = CoreToolResultMap[N] | ToolErrorResult;

export function isCoreToolName(name: string): name is CoreToolName {
  return Object.prototype.hasOwnProperty.call(byName, name);
}

/** Tool specs for the model (all core tools, or the named ones), as the chat's registry builds them. */
export function coreToolSpecs(names: readonly CoreToolName[] = Object.values(CORE_TOOLS)): LlmToolSpec[] {
  return names.map((name) => toolSpec(byName[name]));
}

/** The contract of one core tool, by name. */
export function coreToolContract<N extends CoreToolName>(name: N): ContractByName[N] {
  return byName[name];
}

/** Parses the model's argument text for a core tool (an error result for the model instead of a throw). */
export function parseCoreToolArguments<N extends CoreToolName>(name: N, argumentsText: string): ParsedToolArguments<ContractByName[N]> {
  return parseToolArguments(byName[name], argumentsText);
}
