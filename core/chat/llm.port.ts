/**
 * The LLM port: what the chat engine needs from a language model, nothing more.
 * Adapters (adapters/llm/openai, adapters/llm/offline) implement it; the chat service
 * owns the tool-call loop, persistence and fan-out.
 */
import type { ToolSpec } from '../kernel/tool-contract.ts';

export interface LlmToolCall {
  id: string;
  name: string;
  /** JSON text exactly as the model produced it; the core parses and validates it. */
  arguments: string;
}

export type LlmMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

/** A tool as the model is told about it (built from a tool contract, core/kernel/tool-contract.ts). */
export type LlmToolSpec = ToolSpec;

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmRequest {
  messages: LlmMessage[];
  tools: LlmToolSpec[];
  /** Per-tenant overrides; adapters fall back to their configured defaults. */
  model?: string;
  apiKey?: string;
  /** Shopper's language (BCP 47, e.g. "en", "de"), a hint for adapters that need one. */
  locale?: string;
  maxOutputTokens?: number;
  signal?: AbortSignal;
  /** Today in the store's zone ("2026-12-04"): lets a model read "tomorrow" or "next Friday" without a clock of its own. */
  today?: string;
  /** Set while the conversation waits for a person (issue #18): the model says so instead of carrying on as if nothing happened. */
  waitingForHuman?: { teamOnline: boolean };
}

/** One model turn, streamed: text deltas and/or tool calls, then exactly one `done`. */
export type LlmStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'done'; finishReason: 'stop' | 'tool_calls' | 'length'; usage: LlmUsage };

export interface LlmPort {
  /** Stable adapter name for logs and analytics ("openai", "offline"). */
  readonly name: string;
  /**
   * Streams one model turn. Throws (or rejects the iterator with) LlmError on failure;
   * retries of retryable failures happen inside the adapter before the first delta.
   */
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}

export type LlmErrorCode = 'TIMEOUT' | 'RATE_LIMITED' | 'UPSTREAM' | 'BAD_RESPONSE' | 'AUTH' | 'ABORTED';

export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
