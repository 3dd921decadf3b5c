// The floor under bench/chat/first-token.bench.ts's concurrent figure: the least a server can do to
// put a model's first token on a shopper's event stream, in a process of its own, compiled like the
// application. It speaks the three widget routes the benchmark's client uses, and nothing else:
// a session is two random ids, an event stream is a bare SSE response, a message is answered 202 and
// relayed through the same model adapter as the application (adapters/llm/openai.ts, the openai SDK).
// No database, no token check, no rate limit, no history, no tools, nothing stored: what remains is
// HTTP in, one model call, and SSE out, the part of the application's path no design can remove.
// Talks to the parent over IPC like bench/chat/server.ts (`ready`, `cpu`, `stop`).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createOpenAiLlm } from '../../adapters/llm/openai.ts';

const send = (message: unknown) => process.send?.(message);
const llm = createOpenAiLlm({ apiKey: 'sk-bench', baseURL: process.env.FAKE_OPENAI_URL!, model: 'fake-model' });
const streams = new Map<string, http.ServerResponse>();

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

async function relay(conversationId: string, text: string) {
  let id = 0;
  for await (const event of llm.stream({ messages: [{ role: 'user', content: text }], tools: [] })) {
    if (event.type !== 'delta') continue;
    streams.get(conversationId)?.write(`id: ${++id}\nevent: message.delta\ndata: ${JSON.stringify({ text: event.text })}\n\n`);
  }
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url === '/widget/v1/sessions') {
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ visitorToken: randomUUID(), conversationId: randomUUID() }));
    return;
  }
  const events = /^\/widget\/v1\/conversations\/([^/]+)\/events/.exec(url);
  if (req.method === 'GET' && events) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': open\n\n');
    streams.set(events[1]!, res);
    res.on('close', () => streams.delete(events[1]!));
    return;
  }
  const messages = /^\/widget\/v1\/conversations\/([^/]+)\/messages$/.exec(url);
  if (req.method === 'POST' && messages) {
    readBody(req).then((body) => {
      const { text } = JSON.parse(body) as { text: string };
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      relay(messages[1]!, text).catch((error: unknown) => send({ type: 'error', message: String(error) }));
    });
    return;
  }
  res.writeHead(404).end();
});

server.listen(0, '127.0.0.1', () => send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, botKey: 'floor' }));
process.on('message', (message: { type: string }) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system });
  } else if (message.type === 'stop') {
    for (const res of streams.values()) res.end();
    server.close();
    send({ type: 'stopped' });
    process.exit(0);
  }
});
