/**
 * The message history read as turns: each shopper message with the tool calls made for it and
 * their results, checked against the tool contract. System messages are never read.
 */
import { type LlmMessage, type LlmToolCall } from '../../../core/chat/llm.port.ts';
import { CORE_TOOLS, type CoreToolName } from '../core-tools.ts';
import { coreToolResultSchemas, ToolErrorResultSchema, type Product, type SearchFaqResult } from '../core-tools.ts';
import type { z } from 'zod';

export interface Step {
  round: number;
  call: LlmToolCall;
  args: Record<string, unknown>;
  /** Parsed JSON result, undefined when no result arrived. */
  result: unknown;
  hasResult: boolean;
}

export interface Turn {
  user: string;
  steps: Step[];
}

export function toTurns(messages: LlmMessage[]): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | undefined;
  let round = 0;
  const byId = new Map<string, Step>();
  for (const m of messages) {
    if (m.role === 'system') continue; // never read: nothing from it can leak into an answer
    if (m.role === 'user') {
      current = { user: m.content, steps: [] };
      turns.push(current);
      continue;
    }
    if (!current) {
      current = { user: '', steps: [] };
      turns.push(current);
    }
    if (m.role === 'assistant' && m.toolCalls?.length) {
      round++;
      for (const call of m.toolCalls) {
        const step: Step = { round, call, args: parseObject(call.arguments), result: undefined, hasResult: false };
        current.steps.push(step);
        byId.set(call.id, step);
      }
    } else if (m.role === 'tool') {
      const step = byId.get(m.toolCallId);
      if (step) {
        step.hasResult = true;
        step.result = parseJson(m.content);
      }
    }
  }
  return turns;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> {
  const v = parseJson(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** A tool result checked against the contract; anything else counts as a failure. */
export function outcome<K extends CoreToolName>(name: K, step: Step): Outcome<z.infer<(typeof coreToolResultSchemas)[K]>> {
  if (!step.hasResult) return { ok: false, code: 'NO_RESULT' };
  const err = ToolErrorResultSchema.safeParse(step.result);
  if (err.success) return { ok: false, code: err.data.error.code };
  const parsed = coreToolResultSchemas[name].safeParse(step.result);
  return parsed.success ? { ok: true, value: parsed.data as never } : { ok: false, code: 'INVALID_RESULT' };
}

/** What the search tools of some steps found (products and FAQ), and whether one failed. */
export interface SearchHits {
  products: Product[];
  faq: SearchFaqResult['items'];
  failed: boolean;
  empty: boolean;
}

export function searchHits(steps: Step[]): SearchHits {
  const products: Product[] = [];
  const faq: SearchFaqResult['items'] = [];
  let failed = false;
  for (const st of steps) {
    if (st.call.name === CORE_TOOLS.searchProducts) {
      const r = outcome(CORE_TOOLS.searchProducts, st);
      if (r.ok) products.push(...r.value.items);
      else failed = true;
    } else if (st.call.name === CORE_TOOLS.searchFaq) {
      const r = outcome(CORE_TOOLS.searchFaq, st);
      if (r.ok) faq.push(...r.value.items);
      else failed = true;
    }
  }
  return { products, faq, failed, empty: products.length === 0 && faq.length === 0 };
}
