// The fake model for bench/chat/first-token.bench.ts, in a process of its own (neither the server
// nor the measuring client should slow it down). Run by the benchmark, not by hand.
import { fakeTurn, startFakeOpenAI } from '../../tests/fakes/openai-server.ts';

const firstChunkMs = Number(process.env.FIRST_CHUNK_MS ?? 40);
const fake = await startFakeOpenAI({
  defaultTurn: () => fakeTurn.text('Our merino sweater is warm, soft and machine washable.', { chunks: 8, latencyMs: firstChunkMs, delayMs: 5 }),
});
process.send?.({ type: 'ready', url: fake.url });
process.on('message', async () => {
  await fake.close();
  process.exit(0);
});
