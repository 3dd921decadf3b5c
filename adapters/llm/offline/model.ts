/**
 * Offline "model": a deterministic, rule-based LLM port for demos and tests without an API key,
 * in English and German. It behaves like a tool-using model and nothing more:
 *
 * - on a new shopper message it detects language and intent and calls one of the offered tools
 *   (search_products + search_faq, lookup_order, list_services → find_slots → propose_booking,
 *   get_product, handoff_to_human), or answers directly (greeting, asking for missing details);
 * - when the last messages are tool results, it writes the answer from those results only,
 *   streamed a few words per delta.
 *
 * It never reads system messages (so it cannot reveal them) and never states a product, price,
 * order or time that did not come from a tool result. All conversation state is derived from
 * the message history: the adapter itself is stateless, and the same request gives the same output.
 *
 * This file is the streaming shell; README.md in this folder names the other parts.
 */
import { LlmError, type LlmPort, type LlmRequest, type LlmStreamEvent } from '../../../core/chat/llm.port.ts';
import { planOfflineTurn } from './planner.ts';

export interface OfflineLlmOptions {
  /** Words per streamed delta. Default 3. */
  wordsPerDelta?: number;
}

export function createOfflineLlm(options: OfflineLlmOptions = {}): LlmPort {
  const wordsPerDelta = Math.max(1, options.wordsPerDelta ?? 3);
  return {
    name: 'offline',
    async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
      const checkAbort = () => {
        if (request.signal?.aborted) throw new LlmError('ABORTED', 'request aborted', false);
      };
      checkAbort();
      const plan = planOfflineTurn(request);
      const promptTokens = estimateTokens(promptChars(request));
      if (plan.kind === 'tools') {
        const calls = plan.calls.map((c, i) => ({ id: `call_offline_${plan.firstCallNumber + i}`, name: c.name, arguments: JSON.stringify(c.args) }));
        for (const call of calls) {
          checkAbort();
          yield { type: 'tool_call', call };
        }
        const outChars = calls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
        yield { type: 'done', finishReason: 'tool_calls', usage: { promptTokens, completionTokens: estimateTokens(outChars) } };
        return;
      }
      for (const piece of chunkWords(plan.text, wordsPerDelta)) {
        checkAbort();
        // Let the event loop breathe between deltas, like a network stream would.
        await Promise.resolve();
        yield { type: 'delta', text: piece };
      }
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens, completionTokens: estimateTokens(plan.text.length) } };
    },
  };
}

export function chunkWords(text: string, n: number): string[] {
  const parts = text.match(/\s*\S+\s*/g) ?? [text];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += n) out.push(parts.slice(i, i + n).join(''));
  return out.length ? out : [text];
}

function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function promptChars(request: LlmRequest): number {
  let n = JSON.stringify(request.tools).length;
  for (const m of request.messages) {
    n += m.content.length;
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) n += c.name.length + c.arguments.length;
  }
  return n;
}
