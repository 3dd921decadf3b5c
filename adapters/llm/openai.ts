/**
 * LLM port over any OpenAI-compatible Chat Completions server, through the official `openai` SDK.
 *
 * - Streams text deltas as they arrive; tool-call fragments are assembled and emitted whole,
 *   after the text, followed by exactly one `done` (usage from the server, or estimated).
 * - Retries (exponential backoff with jitter, `retry-after` honoured up to a cap) on 429, 5xx,
 *   timeouts and network errors, but only while nothing has been emitted for this turn: text the
 *   shopper may already see is never replayed. The SDK's own retries are off so this is the only
 *   retry loop.
 * - Timeouts: `timeoutMs` until the response starts, `idleTimeoutMs` of silence between chunks.
 * - Per-request `apiKey`/`model` (per-tenant keys): one cached client per key.
 * - The API key never reaches a log line or an error message.
 */
import { createHash } from 'node:crypto';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { Stream } from 'openai/core/streaming';
import {
  LlmError,
  type LlmMessage,
  type LlmPort,
  type LlmRequest,
  type LlmStreamEvent,
  type LlmToolCall,
  type LlmUsage,
} from '../../core/chat/llm.port.ts';

/** Structured logger, pino-compatible (`logger.warn({ ... }, 'message')`). */
export interface LlmLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface OpenAiLlmOptions {
  /** Default key; a request's `apiKey` (tenant key) overrides it. */
  apiKey: string;
  /** Default `https://api.openai.com/v1`. Passed explicitly so the SDK never reads the environment. */
  baseURL?: string;
  /** Default model; a request's `model` overrides it. */
  model: string;
  /** Until the response starts (headers), per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Longest silence between two chunks (and before the first one). Default 30 s. */
  idleTimeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Backoff base and cap, ms. Defaults 500 and 8 000. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** A server asking to wait longer than this is not waited for: the error goes to the caller. Default 20 s. */
  maxRetryAfterMs?: number;
  /** Name of the output limit field: OpenAI's current one, or `max_tokens` for older compatible servers. */
  maxTokensParam?: 'max_completion_tokens' | 'max_tokens';
  /** Clients kept (one per distinct API key). Default 100. */
  maxClients?: number;
  logger?: LlmLogger;
  /** Jitter source, [0, 1). Default Math.random; tests may pin it. */
  random?: () => number;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAiLlm(options: OpenAiLlmOptions): LlmPort {
  const baseURL = options.baseURL ?? DEFAULT_BASE_URL;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 2;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 20_000;
  const maxTokensParam = options.maxTokensParam ?? 'max_completion_tokens';
  const maxClients = options.maxClients ?? 100;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const baseHost = safeHost(baseURL);

  // Keyed by a hash so the map itself holds no key; re-insertion keeps it LRU-ordered.
  const clients = new Map<string, OpenAI>();
  function clientFor(apiKey: string): OpenAI {
    const id = createHash('sha256').update(baseURL).update('\0').update(apiKey).digest('hex');
    let client = clients.get(id);
    if (client) {
      clients.delete(id);
    } else {
      client = new OpenAI({
        apiKey,
        baseURL,
        // Explicit nulls stop the SDK from picking these up from process.env.
        organization: null,
        project: null,
        adminAPIKey: null,
        webhookSecret: null,
        maxRetries: 0,
        timeout: timeoutMs,
        logLevel: 'off',
      });
      if (clients.size >= maxClients) {
        const oldest = clients.keys().next().value;
        if (oldest !== undefined) clients.delete(oldest);
      }
    }
    clients.set(id, client);
    return client;
  }

  function retryDelayMs(error: LlmError, attempt: number): number | null {
    const cause = error.cause;
    const fromServer = cause instanceof APIError ? parseRetryAfter(cause.headers) : undefined;
    if (fromServer !== undefined) return fromServer > maxRetryAfterMs ? null : fromServer;
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** attempt);
    // "Equal jitter": at least half the backoff, so instances that failed together spread out.
    return ceiling / 2 + (random() * ceiling) / 2;
  }

  async function* runAttempt(
    client: OpenAI,
    body: ChatCompletionCreateParamsStreaming,
    request: LlmRequest,
    apiKey: string,
  ): AsyncGenerator<LlmStreamEvent> {
    const signal = request.signal;
    let stream: Stream<ChatCompletionChunk>;
    try {
      stream = await client.chat.completions.create(body, { signal, timeout: timeoutMs, maxRetries: 0 });
    } catch (err) {
      throw toLlmError(err, { signal, apiKey });
    }

    let idleTimedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const iterator = stream[Symbol.asyncIterator]();
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let finishReason: string | null = null;
    let usage: LlmUsage | undefined;
    let outputChars = 0;
    let completed = false;

    try {
      for (;;) {
        // The idle clock runs only while we wait on the server, not while the consumer is busy.
        timer = setTimeout(() => {
          idleTimedOut = true;
          stream.controller.abort();
        }, idleTimeoutMs);
        let next: IteratorResult<ChatCompletionChunk>;
        try {
          next = await iterator.next();
        } finally {
          clearTimeout(timer);
        }
        if (next.done) break;
        const chunk = next.value;
        if (chunk.usage) {
          usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
        }
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta;
        for (const fragment of delta?.tool_calls ?? []) {
          const entry = calls.get(fragment.index) ?? { id: '', name: '', args: '' };
          if (fragment.id) entry.id = fragment.id;
          const name = fragment.function?.name;
          // Some compatible servers repeat the whole name in every fragment.
          if (name && name !== entry.name) entry.name += name;
          if (fragment.function?.arguments) entry.args += fragment.function.arguments;
          calls.set(fragment.index, entry);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
        if (delta?.content) {
          outputChars += delta.content.length;
          yield { type: 'delta', text: delta.content };
        }
      }
      // The SDK ends the iteration quietly when its request is aborted; tell why.
      if (idleTimedOut) throw new LlmError('TIMEOUT', `no data from the model for ${idleTimeoutMs} ms`, true);
      if (signal?.aborted) throw new LlmError('ABORTED', 'request aborted', false);
      completed = true;
    } catch (err) {
      throw toLlmError(err, { signal, apiKey, idleTimedOut, idleTimeoutMs });
    } finally {
      clearTimeout(timer);
      // Consumer stopped early (or we failed): release the connection.
      if (!completed) stream.controller.abort();
    }

    const toolCalls: LlmToolCall[] = [];
    for (const index of [...calls.keys()].sort((a, b) => a - b)) {
      const c = calls.get(index)!;
      if (!c.name) throw new LlmError('BAD_RESPONSE', 'model sent a tool call without a name', true);
      toolCalls.push({ id: c.id || `call_${index}_${Date.now().toString(36)}`, name: c.name, arguments: c.args.trim() || '{}' });
      outputChars += c.name.length + c.args.length;
    }
    for (const call of toolCalls) yield { type: 'tool_call', call };

    yield {
      type: 'done',
      finishReason:
        finishReason === 'length' ? 'length' : toolCalls.length > 0 || finishReason === 'tool_calls' ? 'tool_calls' : 'stop',
      // Servers that ignore include_usage still get counted, roughly (1 token ≈ 4 chars).
      usage: usage ?? {
        promptTokens: Math.ceil(JSON.stringify(body.messages).length / 4),
        completionTokens: Math.ceil(outputChars / 4),
      },
    };
  }

  return {
    name: 'openai',
    async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
      const apiKey = request.apiKey || options.apiKey;
      const model = request.model || options.model;
      if (!apiKey) throw new LlmError('AUTH', 'no API key configured for the model provider', false);
      if (request.signal?.aborted) throw new LlmError('ABORTED', 'request aborted', false);
      const client = clientFor(apiKey);
      const body = buildBody(request, model, maxTokensParam);

      for (let attempt = 0; ; attempt++) {
        let emitted = false;
        try {
          for await (const event of runAttempt(client, body, request, apiKey)) {
            emitted = true;
            yield event;
          }
          return;
        } catch (err) {
          const error = err instanceof LlmError ? err : toLlmError(err, { signal: request.signal, apiKey });
          if (emitted || !error.retryable || attempt >= maxRetries || request.signal?.aborted) throw error;
          const delay = retryDelayMs(error, attempt);
          if (delay === null) throw error;
          logger?.warn(
            { llm: 'openai', host: baseHost, model, code: error.code, status: statusOf(error), attempt: attempt + 1, delayMs: Math.round(delay) },
            'model request failed, retrying',
          );
          await sleep(delay, request.signal);
        }
      }
    },
  };
}

// ---------------------------------------------------------------- request mapping

function buildBody(
  request: LlmRequest,
  model: string,
  maxTokensParam: 'max_completion_tokens' | 'max_tokens',
): ChatCompletionCreateParamsStreaming {
  const body: ChatCompletionCreateParamsStreaming = {
    model,
    messages: request.messages.map(toSdkMessage),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools.length > 0) {
    body.tools = request.tools.map(
      (t): ChatCompletionTool => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }),
    );
  }
  if (request.maxOutputTokens !== undefined) body[maxTokensParam] = request.maxOutputTokens;
  return body;
}

export function toSdkMessage(message: LlmMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      if (message.toolCalls && message.toolCalls.length > 0) {
        return {
          role: 'assistant',
          // OpenAI wants null rather than "" next to tool calls.
          content: message.content || null,
          tool_calls: message.toolCalls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        };
      }
      return { role: 'assistant', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

// ---------------------------------------------------------------- errors

function toLlmError(
  err: unknown,
  ctx: { signal?: AbortSignal | undefined; apiKey: string; idleTimedOut?: boolean; idleTimeoutMs?: number },
): LlmError {
  if (err instanceof LlmError) return err;
  const say = (text: string) => redact(text, ctx.apiKey);
  if (ctx.signal?.aborted || err instanceof APIUserAbortError) return new LlmError('ABORTED', 'request aborted', false, { cause: err });
  if (ctx.idleTimedOut) return new LlmError('TIMEOUT', `no data from the model for ${ctx.idleTimeoutMs} ms`, true, { cause: err });
  if (err instanceof APIConnectionTimeoutError) return new LlmError('TIMEOUT', 'model request timed out', true, { cause: err });
  if (err instanceof APIConnectionError) {
    return new LlmError('UPSTREAM', say(`cannot reach the model server: ${err.message}`), true, { cause: err });
  }
  if (err instanceof APIError) {
    const status = err.status as number | undefined;
    const detail = say(`model server answered ${status ?? 'an error'}: ${err.message}`);
    const hint = err.headers?.get('x-should-retry');
    const retryableBy = (fallback: boolean) => (hint === 'true' ? true : hint === 'false' ? false : fallback);
    if (status === 401 || status === 403) return new LlmError('AUTH', detail, false, { cause: err });
    if (status === 429) {
      // An exhausted quota does not come back by waiting a few seconds.
      const quota = err.code === 'insufficient_quota';
      return new LlmError('RATE_LIMITED', detail, retryableBy(!quota), { cause: err });
    }
    if (status === 408) return new LlmError('TIMEOUT', detail, retryableBy(true), { cause: err });
    // No status: an error event inside the stream, usually an overloaded server.
    if (status === undefined || status === 409 || status >= 500) {
      return new LlmError('UPSTREAM', detail, retryableBy(true), { cause: err });
    }
    return new LlmError('UPSTREAM', detail, retryableBy(false), { cause: err });
  }
  if (err instanceof SyntaxError) return new LlmError('BAD_RESPONSE', say(`unreadable chunk from the model: ${err.message}`), true, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  // e.g. undici's "terminated" when the connection drops mid-stream.
  return new LlmError('UPSTREAM', say(`model stream failed: ${message}`), true, { cause: err });
}

function statusOf(error: LlmError): number | undefined {
  return error.cause instanceof APIError ? (error.cause.status as number | undefined) : undefined;
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), in ms. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function redact(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmError('ABORTED', 'request aborted', false));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LlmError('ABORTED', 'request aborted', false));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
