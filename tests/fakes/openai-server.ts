/**
 * A fake OpenAI-compatible server (node:http on 127.0.0.1, random port) that speaks the Chat
 * Completions protocol closely enough for the real `openai` SDK: `POST /v1/chat/completions`
 * streamed (`text/event-stream`, `chat.completion.chunk` objects, tool-call fragments, usage
 * chunk when `stream_options.include_usage`, then `data: [DONE]`) or as plain JSON, plus
 * `GET /v1/models`. Requests without `Authorization: Bearer ...` get 401 like the real API.
 *
 * Tests script what the "model" does, one turn per chat request, and assert on what arrived:
 *
 *   const fake = await startFakeOpenAI();
 *   fake.script(
 *     fakeTurn.error(429, { retryAfter: '0' }),              // answered with 429 + retry-after
 *     fakeTurn.text('Hello there', { chunks: 3, delayMs: 5 }),
 *     fakeTurn.toolCalls([{ name: 'search_products', arguments: { query: 'shoes' } }], { fragments: 4 }),
 *     fakeTurn.breakAfter(2, 'This stream dies'),             // 2 chunks, then the socket is destroyed
 *     fakeTurn.hang(),                                        // never answers (or `hang({ afterChunks })`)
 *   );
 *   ... use `fake.url` as the SDK's baseURL ...
 *   fake.requests[0].headers.authorization; fake.requests[0].body.messages;
 *   await fake.close();
 *
 * With an empty queue it echoes the last user message ("Echo: ..."), or calls `defaultTurn`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface FakeToolCall {
  id?: string;
  name: string;
  /** Object (serialised by the fake) or the exact JSON text to send. */
  arguments: string | Record<string, unknown>;
}

interface StreamOptions {
  /** Wait before answering at all (headers), ms. */
  latencyMs?: number;
  /** Wait between chunks, ms. */
  delayMs?: number;
  usage?: Partial<FakeUsage>;
  /** Leave out the usage chunk even when the client asked for it (some compatible servers do). */
  omitUsage?: boolean;
  /** Stop after this many text chunks until `until` settles (a test acts mid-answer there, however slow the machine). */
  hold?: { afterChunks: number; until: Promise<void> };
}

export type FakeTurn =
  | ({ type: 'text'; text: string; chunks?: number; finishReason?: 'stop' | 'length' | 'content_filter' } & StreamOptions)
  | ({ type: 'tool_calls'; calls: FakeToolCall[]; fragments?: number; text?: string } & StreamOptions)
  | {
      type: 'error';
      status: number;
      /** `retry-after` header value (seconds or HTTP date). */
      retryAfter?: string;
      /** `retry-after-ms` header value (OpenAI sends it too). */
      retryAfterMs?: string;
      message?: string;
      code?: string;
      headers?: Record<string, string>;
    }
  | ({ type: 'break'; text: string; chunks?: number; afterChunks: number } & StreamOptions)
  | ({ type: 'hang'; afterChunks?: number; text?: string; chunks?: number } & StreamOptions);

/** Builders for scripted turns; plain objects work as well. */
export const fakeTurn = {
  text: (text: string, opts: Omit<Extract<FakeTurn, { type: 'text' }>, 'type' | 'text'> = {}): FakeTurn => ({
    type: 'text',
    text,
    ...opts,
  }),
  toolCalls: (
    calls: FakeToolCall[],
    opts: Omit<Extract<FakeTurn, { type: 'tool_calls' }>, 'type' | 'calls'> = {},
  ): FakeTurn => ({ type: 'tool_calls', calls, ...opts }),
  error: (status: number, opts: Omit<Extract<FakeTurn, { type: 'error' }>, 'type' | 'status'> = {}): FakeTurn => ({
    type: 'error',
    status,
    ...opts,
  }),
  /** Sends `afterChunks` text chunks (of `chunks`, default 4), then destroys the socket. */
  breakAfter: (
    afterChunks: number,
    text = 'one two three four',
    opts: Omit<Extract<FakeTurn, { type: 'break' }>, 'type' | 'text' | 'afterChunks'> = {},
  ): FakeTurn => ({ type: 'break', afterChunks, text, ...opts }),
  /** Never answers; with `afterChunks`, answers and stops sending after that many chunks. */
  hang: (opts: Omit<Extract<FakeTurn, { type: 'hang' }>, 'type'> = {}): FakeTurn => ({ type: 'hang', ...opts }),
};

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none or it was not JSON). */
  body: any;
  at: number;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, ready for `new OpenAI({ baseURL })`. */
  url: string;
  /** Queue turns; each chat completion request takes the next one. */
  script(...turns: FakeTurn[]): void;
  /** Every request received, in order (chat and others). */
  requests: RecordedRequest[];
  /** Only the chat completion requests. */
  chatRequests(): RecordedRequest[];
  /** Turns still queued. */
  pending(): number;
  /** Drop queued turns and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** Answer when the queue is empty; default echoes the last user message. */
  defaultTurn?: (body: any) => FakeTurn;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: FakeTurn[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let counter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() });
      void handle(req, res, path, body).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, String(err));
        else res.destroy();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: any): Promise<void> {
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer \S+/.test(auth)) {
      return sendError(res, 401, 'You did not provide an API key.', 'invalid_api_key', 'invalid_request_error');
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendError(res, 404, `Unknown route ${req.method} ${path}`, null, 'invalid_request_error');
    }
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(res, 400, "'model' and a non-empty 'messages' array are required.", null, 'invalid_request_error');
    }
    const turn = queue.shift() ?? options.defaultTurn?.(body) ?? echoTurn(body);
    const id = `chatcmpl-fake${++counter}`;
    if (turn.type === 'error') return sendScriptedError(res, turn);
    if (body.stream === true) return streamTurn(res, turn, body, id);
    return jsonTurn(res, turn, body, id);
  }

  async function streamTurn(res: http.ServerResponse, turn: Exclude<FakeTurn, { type: 'error' }>, body: any, id: string) {
    if (turn.latencyMs) await sleep(turn.latencyMs);
    if (turn.type === 'hang' && turn.afterChunks === undefined) return; // never answer; close() cleans up
    const created = Math.floor(Date.now() / 1000);
    const includeUsage = body.stream_options?.include_usage === true;
    const base = { id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_fake' };
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': id });
    res.flushHeaders();
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const pause = async () => {
      if (turn.delayMs) await sleep(turn.delayMs);
    };

    // Content pieces first (role chunk, text), then tool-call fragments, as OpenAI orders them.
    const events: Array<Record<string, unknown>> = [{ role: 'assistant', content: '', refusal: null }];
    const text = turn.text ?? '';
    const textPieces = text ? splitInto(text, turn.type === 'tool_calls' ? 1 : (turn.chunks ?? 4)) : [];
    for (const piece of textPieces) events.push({ content: piece });
    if (turn.type === 'tool_calls') {
      turn.calls.forEach((call, index) => {
        const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
        const pieces = splitInto(args, turn.fragments ?? 3);
        events.push({
          tool_calls: [
            { index, id: call.id ?? `call_fake_${id}_${index}`, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        });
        for (const piece of pieces) events.push({ tool_calls: [{ index, function: { arguments: piece } }] });
      });
    }

    // `afterChunks` counts text chunks sent, after the role chunk.
    const stopAfter = turn.type === 'break' || turn.type === 'hang' ? 1 + (turn.afterChunks ?? 0) : Infinity;
    for (let i = 0; i < events.length && i < stopAfter; i++) {
      if (i > 0) await pause();
      if (res.destroyed) return;
      write(chunk(events[i]!));
      if (turn.hold && i === turn.hold.afterChunks) await turn.hold.until;
    }
    if (turn.type === 'break') {
      await sleep(5); // let the written chunks reach the client before the cut
      res.socket?.destroy();
      return;
    }
    if (turn.type === 'hang') return;

    await pause();
    const finish = turn.type === 'tool_calls' ? 'tool_calls' : (turn.finishReason ?? 'stop');
    write(chunk({}, finish));
    if (includeUsage && !turn.omitUsage) {
      const usage = usageFor(body, text + (turn.type === 'tool_calls' ? JSON.stringify(turn.calls) : ''), turn.usage);
      write({ ...base, choices: [], usage });
    }
    res.write('data: [DONE]\n\n');
    res.end();
  }

  async function jsonTurn(res: http.ServerResponse, turn: Exclude<FakeTurn, { type: 'error' }>, body: any, id: string) {
    if (turn.latencyMs) await sleep(turn.latencyMs);
    if (turn.type === 'hang') return;
    if (turn.type === 'break') {
      res.socket?.destroy();
      return;
    }
    const text = turn.text ?? '';
    const toolCalls =
      turn.type === 'tool_calls'
        ? turn.calls.map((call, index) => ({
            id: call.id ?? `call_fake_${id}_${index}`,
            type: 'function',
            function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
          }))
        : undefined;
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text || null, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
          logprobs: null,
          finish_reason: turn.type === 'tool_calls' ? 'tool_calls' : (turn.finishReason ?? 'stop'),
        },
      ],
      usage: usageFor(body, text + (toolCalls ? JSON.stringify(toolCalls) : ''), turn.usage),
    });
  }

  function sendScriptedError(res: http.ServerResponse, turn: Extract<FakeTurn, { type: 'error' }>) {
    const headers: Record<string, string> = { ...turn.headers };
    if (turn.retryAfter !== undefined) headers['retry-after'] = turn.retryAfter;
    if (turn.retryAfterMs !== undefined) headers['retry-after-ms'] = turn.retryAfterMs;
    // Tell the SDK explicitly; our adapter does its own retries and must not depend on this.
    const type = turn.status === 429 ? 'rate_limit_error' : turn.status >= 500 ? 'server_error' : 'invalid_request_error';
    sendError(res, turn.status, turn.message ?? `Scripted error ${turn.status}`, turn.code ?? null, type, headers);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    script: (...turns) => void queue.push(...turns),
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy(); // hanging responses would keep close() waiting forever
        server.close(() => resolve());
      }),
  };
}

function echoTurn(body: any): FakeTurn {
  const lastUser = [...body.messages].reverse().find((m: any) => m.role === 'user');
  const content = typeof lastUser?.content === 'string' ? lastUser.content : JSON.stringify(lastUser?.content ?? '');
  return { type: 'text', text: `Echo: ${content}` };
}

/** Rough token count like the real thing reports: 1 token ≈ 4 characters. */
function usageFor(body: any, completion: string, override?: Partial<FakeUsage>) {
  const prompt_tokens = override?.prompt_tokens ?? Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4));
  const completion_tokens = override?.completion_tokens ?? Math.max(1, Math.ceil(completion.length / 4));
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** Splits text into `n` nearly equal pieces (by characters) that concatenate back to it. */
export function splitInto(text: string, n: number): string[] {
  const chars = Array.from(text);
  const count = Math.max(1, Math.min(n, chars.length));
  const size = Math.ceil(chars.length / count);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

function sendJson(res: http.ServerResponse, status: number, obj: unknown, headers: Record<string, string> = {}) {
  const data = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  code: string | null = null,
  type = 'invalid_request_error',
  headers: Record<string, string> = {},
) {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
