/**
 * The fake OpenAI server must satisfy the real SDK's own parsers, not just our adapter:
 * the SDK's stream helper rebuilds a full ChatCompletion from the chunks and the plain
 * (non-stream) call parses the JSON answer.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeTurn, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';

let fake: FakeOpenAI;
let client: OpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: 'sk-fake', baseURL: fake.url, maxRetries: 0, organization: null, project: null });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake OpenAI server speaks the protocol the SDK expects', () => {
  it('streamed tool calls rebuild into a complete message in the SDK stream helper', async () => {
    fake.script(
      fakeTurn.toolCalls([{ id: 'call_x', name: 'lookup_order', arguments: { orderNumber: '1001', email: 'jane@example.com' } }], {
        fragments: 5,
        text: 'Let me check.',
      }),
    );
    const stream = client.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'order 1001' }],
      tools: [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: {} } } }],
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('Let me check.');
    expect(message.tool_calls).toHaveLength(1);
    const call = message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('lookup_order');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ orderNumber: '1001', email: 'jane@example.com' });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('answers non-streaming requests with a chat.completion object', async () => {
    fake.script(fakeTurn.text('plain answer', { usage: { prompt_tokens: 7, completion_tokens: 2 } }));
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('plain answer');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  });

  it('echoes the last user message when nothing is scripted', async () => {
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: ping');
  });

  it('rejects requests without a bearer key (401) and without messages (400), like the API', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({ status: 400 });
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain('fake-model');
  });
});
