// Where the time before the first token goes, without touching the application: marks taken from
// Node's diagnostics channels (HTTP server, undici — the fetch the OpenAI SDK uses) and from the
// first text a response writes to an event stream. Loaded with `--import` into the benchmark's
// server process when BENCH_TIMELINE=1 (bench/chat/first-token.bench.ts); meaningful for requests
// handled one at a time, where every mark after a message's arrival belongs to that message.
//
// Asked with `{ type: 'timeline' }` over IPC, it answers the p50 of each mark (ms after the
// message's arrival) over the messages seen since the last ask, and starts over.
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';

export type Mark = 'model request created' | 'model request sent' | "model's answer began" | 'first text written to the stream';

interface Sample {
  arrivedAt: number;
  marks: Partial<Record<Mark, number>>;
}

let samples: Sample[] = [];
const current = () => samples.at(-1);

function mark(name: Mark): void {
  const sample = current();
  if (sample && sample.marks[name] === undefined) sample.marks[name] = performance.now() - sample.arrivedAt;
}

const isModelCall = (request: { path?: unknown }) => String(request.path).includes('/chat/completions');

dc.subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: http.IncomingMessage };
  if (request.method === 'POST' && request.url?.endsWith('/messages')) samples.push({ arrivedAt: performance.now(), marks: {} });
});
dc.subscribe('undici:request:create', (message) => {
  if (isModelCall((message as { request: { path?: unknown } }).request)) mark('model request created');
});
dc.subscribe('undici:client:sendHeaders', (message) => {
  if (isModelCall((message as { request: { path?: unknown } }).request)) mark('model request sent');
});
dc.subscribe('undici:request:headers', (message) => {
  if (isModelCall((message as { request: { path?: unknown } }).request)) mark("model's answer began");
});

// The first answer text on any event stream after the message arrived (bench-only instrumentation).
// At the socket: an open stream writes there itself once it has taken its connection over (core/chat/sse.ts).
const write = net.Socket.prototype.write as (this: net.Socket, chunk: unknown, ...rest: unknown[]) => boolean;
net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  if (typeof chunk === 'string' && chunk.includes('event: message.delta') && chunk.includes('"role":"assistant"')) mark('first text written to the stream');
  return write.call(this, chunk, ...rest);
} as typeof net.Socket.prototype.write;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'timeline') return;
  const names: Mark[] = ['model request created', 'model request sent', "model's answer began", 'first text written to the stream'];
  const p50 = Object.fromEntries(names.map((name) => [name, median(samples.flatMap((s) => (s.marks[name] === undefined ? [] : [s.marks[name]!])))]));
  process.send?.({ type: 'timeline', messages: samples.length, p50 });
  samples = [];
});
