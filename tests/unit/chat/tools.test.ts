import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getProductTool, searchProductsTool } from '../../../core/catalog/catalog.tools.schema.ts';
import { ToolRegistry, type ToolContext } from '../../../core/chat/tools.ts';

const ctx: ToolContext = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  botId: '22222222-2222-4222-8222-222222222222',
  conversationId: '33333333-3333-4333-8333-333333333333',
  visitor: { id: 'v_1' },
  locale: 'en',
  timeZone: 'Europe/Berlin',
  signal: new AbortController().signal,
};
const call = (name: string, args: unknown) => ({ id: 'c1', name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

describe('ToolRegistry', () => {
  it('validates the model’s arguments and tells it what was wrong instead of running the tool', async () => {
    const registry = new ToolRegistry();
    let ran = 0;
    registry.registerContract(searchProductsTool, () => {
      ran++;
      return { result: { items: [] } };
    });
    const tools = await registry.toolsFor(ctx);
    for (const bad of ['{not json', { query: '' }, { query: 'x', limit: 99 }]) {
      const run = await registry.run(tools, ctx, call('search_products', bad));
      expect(run.ok).toBe(false);
      expect(JSON.parse(run.content).error.code).toBe('INVALID_ARGUMENTS');
    }
    expect(ran).toBe(0);
    expect(JSON.parse((await registry.run(tools, ctx, call('delete_everything', {}))).content).error.code).toBe('UNKNOWN_TOOL');
  });

  it('checks core tool results against the contract and drops invalid cards', async () => {
    const registry = new ToolRegistry();
    registry.registerContract(getProductTool, () => ({ result: { status: 'found' } as never }));
    registry.register({
      spec: { name: 'shop__hello', description: 'd', parameters: {} },
      args: z.object({}),
      handler: () => ({
        result: { ok: true },
        cards: [
          { type: 'product', productId: 'p1', title: 'T', price: null, imageUrl: null, url: 'javascript:alert(1)' } as never,
          { type: 'product', productId: 'p2', title: 'T', price: null, imageUrl: null, url: 'https://shop.example/p2' },
        ],
      }),
    });
    const tools = await registry.toolsFor(ctx);
    const broken = await registry.run(tools, ctx, call('get_product', { id: 'x' }));
    expect(JSON.parse(broken.content)).toEqual({ error: { code: 'INTERNAL', message: 'the tool returned an invalid result' } });
    const withCards = await registry.run(tools, ctx, call('shop__hello', {}));
    expect(withCards.cards.map((c) => (c.type === 'product' ? c.productId : ''))).toEqual(['p2']);
  });

  it('turns a thrown error or a timeout into an error result for the model', async () => {
    const registry = new ToolRegistry();
    registry.register({ spec: { name: 'boom', description: 'd', parameters: {} }, args: z.object({}), handler: () => Promise.reject(new Error('db down')) });
    registry.register({ spec: { name: 'slow', description: 'd', parameters: {} }, args: z.object({}), timeoutMs: 20, handler: () => new Promise(() => {}) });
    const tools = await registry.toolsFor(ctx);
    expect(JSON.parse((await registry.run(tools, ctx, call('boom', {}))).content).error.code).toBe('INTERNAL');
    expect(JSON.parse((await registry.run(tools, ctx, call('slow', {}))).content).error.code).toBe('INTERNAL');
  });

  it('offers a tool only where it is enabled, refuses duplicate or malformed names, and adds providers’ tools', async () => {
    const registry = new ToolRegistry();
    registry.register({ spec: { name: 'only_b', description: 'd', parameters: {} }, args: z.object({}), enabled: (c) => c.tenantId.startsWith('b'), handler: () => ({ result: {} }) });
    registry.addProvider({ tools: async () => [{ spec: { name: 'plug__x', description: 'd', parameters: {} }, args: z.object({}), handler: () => ({ result: 1 }) }] });
    expect((await registry.toolsFor(ctx)).map((t) => t.spec.name)).toEqual(['plug__x']);
    expect(() => registry.register({ spec: { name: 'only_b', description: 'd', parameters: {} }, args: z.object({}), handler: () => ({ result: {} }) })).toThrow(/already/);
    expect(() => registry.register({ spec: { name: 'has space', description: 'd', parameters: {} }, args: z.object({}), handler: () => ({ result: {} }) })).toThrow(/invalid/);
  });
});
