import type { Logger } from 'pino';
import { z } from 'zod';
import { CardSchema, type Card } from '../wire/widget.ts';
import type { LlmToolCall, LlmToolSpec } from './llm.port.ts';
import { toolSpec, ToolErrorResultSchema, type ToolArgs, type ToolContract, type ToolErrorResult, type ToolOutcomeOf } from '../kernel/tool-contract.ts';

/**
 * The tool registry: the only way the assistant acts (design.md §6). Modules register their tools
 * at start-up against their own contracts (catalog: search_products / get_product / search_faq;
 * orders: lookup_order; booking: list_services / find_slots / propose_booking; chat itself:
 * handoff_to_human); plugins contribute `<pluginId>__<name>` tools through a provider.
 * See core/chat/README.md for the contract.
 */

export interface VerifiedVisitor {
  customerId: string;
  email?: string | undefined;
}

/** Who the tool acts for. Everything a tool reads must be confined to `tenantId`. */
export interface ToolContext {
  tenantId: string;
  botId: string;
  conversationId: string;
  visitor: { id: string; verified?: VerifiedVisitor | undefined };
  /** The shopper's language (BCP 47). */
  locale: string;
  /** The shopper's zone when the widget sent it, else the bot's. */
  timeZone: string;
  /** The store's own origin (the bot's first allowed origin), to make relative store links absolute. */
  storeOrigin?: string | undefined;
  /** Aborted when the turn is given up (timeout, shutdown). */
  signal: AbortSignal;
}

/** What a tool hands back: the JSON the model reads, and cards the widget shows (never prose). */
export interface ToolOutcome<R = unknown> {
  result: R;
  cards?: Card[];
}

export interface ToolDefinition<A = unknown> {
  /** Name, description and JSON Schema of the arguments, as the model sees them. */
  spec: LlmToolSpec;
  /** Validates the model's arguments; a failure goes back to the model as INVALID_ARGUMENTS. */
  args: z.ZodType<A>;
  /** When set, a result that is not the shared error shape must satisfy it (else the model gets INTERNAL). */
  result?: z.ZodType;
  handler(ctx: ToolContext, args: A): Promise<ToolOutcome> | ToolOutcome;
  /** Whether the tool is offered in this conversation at all. Default: always. */
  enabled?(ctx: ToolContext): boolean | Promise<boolean>;
  /** Longest a call may take. Default 10 s. */
  timeoutMs?: number;
}

/** Tools that depend on the tenant (plugin tools of active installations). */
export interface ToolProvider {
  tools(ctx: ToolContext): Promise<ToolDefinition[]>;
}

export interface ToolRun {
  call: LlmToolCall;
  /** JSON text for the model. */
  content: string;
  cards: Card[];
  ok: boolean;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_RESULT_CHARS = 16_000;

const errorResult = (code: ToolErrorResult['error']['code'], message: string): ToolErrorResult => ({ error: { code, message } });

export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();
  private readonly providers: ToolProvider[] = [];

  constructor(private readonly logger?: Logger) {}

  /** Registers a tool; names are unique and `[a-zA-Z0-9_-]{1,64}` (what OpenAI accepts). */
  register<A>(tool: ToolDefinition<A>): void {
    const name = tool.spec.name;
    if (!TOOL_NAME.test(name)) throw new Error(`invalid tool name ${JSON.stringify(name)}`);
    if (this.tools.has(name)) throw new Error(`tool ${name} is already registered`);
    this.tools.set(name, tool as unknown as ToolDefinition);
  }

  /**
   * Registers a module's tool against its contract (`<module>.tools.schema.ts`): spec and argument
   * schema come from the contract, and the handler's result is checked against the contract's result.
   */
  registerContract<C extends ToolContract>(
    contract: C,
    handler: (ctx: ToolContext, args: ToolArgs<NoInfer<C>>) => Promise<ToolOutcome<ToolOutcomeOf<NoInfer<C>>>> | ToolOutcome<ToolOutcomeOf<NoInfer<C>>>,
    options: Pick<ToolDefinition, 'enabled' | 'timeoutMs'> = {},
  ): void {
    this.register({ spec: toolSpec(contract), args: contract.args as z.ZodType<ToolArgs<C>>, result: contract.result, handler, ...options });
  }

  addProvider(provider: ToolProvider): void {
    this.providers.push(provider);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The tools offered in this conversation: registered ones that are enabled, then providers'. */
  async toolsFor(ctx: ToolContext): Promise<ToolDefinition[]> {
    const out: ToolDefinition[] = [];
    for (const tool of this.tools.values()) {
      if (!tool.enabled || (await tool.enabled(ctx))) out.push(tool);
    }
    for (const provider of this.providers) {
      try {
        for (const tool of await provider.tools(ctx)) if (!this.tools.has(tool.spec.name)) out.push(tool);
      } catch (error) {
        this.logger?.warn({ err: error, tenantId: ctx.tenantId }, 'a tool provider failed; its tools are not offered');
      }
    }
    return out;
  }

  /** Runs one model tool call; never throws: failures become the shared error result for the model. */
  async run(offered: ToolDefinition[], ctx: ToolContext, call: LlmToolCall): Promise<ToolRun> {
    const tool = offered.find((t) => t.spec.name === call.name);
    if (!tool) return this.finish(call, errorResult('UNKNOWN_TOOL', `no tool named ${call.name}`), [], false);

    let raw: unknown;
    try {
      raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      return this.finish(call, errorResult('INVALID_ARGUMENTS', 'arguments are not valid JSON'), [], false);
    }
    const parsed = tool.args.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return this.finish(call, errorResult('INVALID_ARGUMENTS', message), [], false);
    }

    const timeoutMs = tool.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        Promise.resolve(tool.handler(ctx, parsed.data)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`tool ${call.name} took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      let result = outcome.result;
      if (tool.result && !ToolErrorResultSchema.safeParse(result).success) {
        const checked = tool.result.safeParse(result);
        if (!checked.success) {
          this.logger?.error({ tool: call.name, issues: checked.error.issues.slice(0, 3) }, 'tool result breaks the tool contract');
          result = errorResult('INTERNAL', 'the tool returned an invalid result');
          return this.finish(call, result, [], false);
        }
        result = checked.data;
      }
      const cards: Card[] = [];
      for (const card of outcome.cards ?? []) {
        const ok = CardSchema.safeParse(card);
        if (ok.success) cards.push(ok.data);
        else this.logger?.warn({ tool: call.name, issues: ok.error.issues.slice(0, 2) }, 'dropped an invalid card');
      }
      const failed = ToolErrorResultSchema.safeParse(result).success;
      return this.finish(call, result, cards, !failed);
    } catch (error) {
      this.logger?.warn({ err: error, tool: call.name, tenantId: ctx.tenantId }, 'tool failed');
      return this.finish(call, errorResult('INTERNAL', 'the tool failed'), [], false);
    } finally {
      clearTimeout(timer);
    }
  }

  private finish(call: LlmToolCall, result: unknown, cards: Card[], ok: boolean): ToolRun {
    let content = JSON.stringify(result ?? null);
    if (content.length > MAX_RESULT_CHARS) {
      this.logger?.warn({ tool: call.name, chars: content.length }, 'tool result too large for the model');
      content = JSON.stringify(errorResult('INTERNAL', 'the result was too large'));
      return { call, content, cards, ok: false };
    }
    return { call, content, cards, ok };
  }
}
