/**
 * What a chat tool is to the model: a name, a description, the arguments it may pass and the
 * JSON it gets back, one zod schema each. Modules own their tools' contracts
 * (`core/<module>/<module>.tools.schema.ts`) and register implementations in the chat's
 * ToolRegistry (tools.ts), which validates arguments before and results after every call.
 *
 * Pure module: zod only, so model adapters (the offline model) may import it.
 */
import { z } from 'zod';

/** What any tool returns when it could not do its job; `code` is stable, `message` is for logs/model. */
export const ToolErrorResultSchema = z.object({
  error: z.object({
    code: z.enum(['INVALID_ARGUMENTS', 'NOT_FOUND', 'NOT_AVAILABLE', 'SLOT_TAKEN', 'UNKNOWN_TOOL', 'INTERNAL']),
    message: z.string(),
  }),
});
export type ToolErrorResult = z.infer<typeof ToolErrorResultSchema>;

/** A tool as the model is told about it: name, description, JSON Schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset) of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolContract<Name extends string = string, Args extends z.ZodType = z.ZodType, Result extends z.ZodType = z.ZodType> {
  /** `[a-zA-Z0-9_-]{1,64}`; plugins' tools are namespaced `<pluginId>__<name>`. */
  name: Name;
  /** Written for the model: when to call, and what not to do. */
  description: string;
  args: Args;
  result: Result;
}

export function defineToolContract<Name extends string, Args extends z.ZodType, Result extends z.ZodType>(contract: ToolContract<Name, Args, Result>): ToolContract<Name, Args, Result> {
  return contract;
}

export type ToolArgs<C extends ToolContract> = z.output<C['args']>;
export type ToolResult<C extends ToolContract> = z.output<C['result']>;
/** What an implementation may return: its result, or the shared error shape. */
export type ToolOutcomeOf<C extends ToolContract> = ToolResult<C> | ToolErrorResult;

/** JSON Schema of a tool's arguments, trimmed for model consumption. */
export function toolParameters(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  stripFormatPatterns(json);
  return json;
}

/** zod emits a long regex next to `format` (date-time, email); the format says it, zod checks it. */
function stripFormatPatterns(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(stripFormatPatterns);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.format === 'string') delete obj.pattern;
  for (const value of Object.values(obj)) stripFormatPatterns(value);
}

/** The tool as the model is told about it. */
export function toolSpec(contract: ToolContract): ToolSpec {
  return { name: contract.name, description: contract.description, parameters: toolParameters(contract.args) };
}

export type ParsedToolArguments<C extends ToolContract> = { ok: true; value: ToolArgs<C> } | { ok: false; error: ToolErrorResult };

/**
 * Parses the model's argument text for a tool. On failure returns the error result to send back
 * to the model (so it can correct itself) instead of throwing.
 */
export function parseToolArguments<C extends ToolContract>(contract: C, argumentsText: string): ParsedToolArguments<C> {
  let raw: unknown;
  try {
    raw = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
  } catch {
    return { ok: false, error: { error: { code: 'INVALID_ARGUMENTS', message: 'arguments are not valid JSON' } } };
  }
  const parsed = contract.args.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, error: { error: { code: 'INVALID_ARGUMENTS', message } } };
  }
  return { ok: true, value: parsed.data as ToolArgs<C> };
}
