import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../../core/lifecycle/lifecycle.ts';

describe('Lifecycle', () => {
  it('tells its stopping listeners first, synchronously, then runs the hooks last registered first, once', async () => {
    const lifecycle = new Lifecycle();
    const order: string[] = [];
    lifecycle.onShutdown('database', () => void order.push('database'));
    lifecycle.onShutdown('http', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('http');
    });
    lifecycle.onStopping(() => order.push('streams end'));
    const first = lifecycle.shutdown();
    // Before any await: the listener has run, no hook has finished.
    expect(order).toEqual(['streams end']);
    expect(lifecycle.isStopping).toBe(true);
    await Promise.all([first, lifecycle.shutdown()]);
    expect(order).toEqual(['streams end', 'http', 'database']);
  });

  it('reports a failing listener or hook and still runs the rest', async () => {
    const lifecycle = new Lifecycle();
    const ran: string[] = [];
    const failed: string[] = [];
    lifecycle.onStopping(() => {
      throw new Error('listener broke');
    });
    lifecycle.onStopping(() => void ran.push('second listener'));
    lifecycle.onShutdown('b', () => void ran.push('b'));
    lifecycle.onShutdown('a', () => {
      throw new Error('hook broke');
    });
    await lifecycle.shutdown((name) => failed.push(name));
    expect(ran).toEqual(['second listener', 'b']);
    expect(failed).toEqual(['stopping', 'a']);
  });
});
