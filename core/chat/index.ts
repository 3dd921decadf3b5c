/**
 * The chat module's public surface: the tool registry other modules register their tools in,
 * the tool contract they describe them with, and the module itself for the composition root.
 */
export { createChat, type ChatModule } from './chat.module.ts';
export { defineToolContract, toolParameters, type ToolContract, type ToolErrorResult } from '../kernel/tool-contract.ts';
export type { ToolContext, ToolDefinition, ToolOutcome, ToolProvider, ToolRegistry } from './tools.ts';
