// @vitest-environment happy-dom
// The loader's page-facing global: calls made before it arrived are kept and replayed in order;
// the panel is imported from the loader's own origin, once, on intent.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WidgetIdentity } from '../../../core/wire/widget.ts';
import { boot, type ConciergeGlobal } from '../../../widget/src/loader/boot.ts';
import type { PanelApi, PanelHost, PanelModule } from '../../../widget/src/shared/contract.ts';

type Win = Window & { Concierge?: ConciergeGlobal };
const win = window as Win;

/** The documented snippet stub: queues arguments until the loader replaces it. */
function installStub() {
  win.Concierge =
    win.Concierge ||
    function (...args: unknown[]) {
      (win.Concierge!.q = win.Concierge!.q || []).push(args);
    };
}

function addScript(attrs: Record<string, string>) {
  const script = document.createElement('script');
  script.type = 'text/plain'; // the loader only reads the tag; happy-dom must not try to fetch it
  for (const [k, v] of Object.entries(attrs)) script.setAttribute(k, v);
  document.body.appendChild(script);
}

function fakePanel() {
  const calls: string[] = [];
  let host: PanelHost | null = null;
  let open = false;
  const api: PanelApi = {
    open(options) {
      calls.push(`open:${options?.focus !== false}`);
      open = true;
      host!.setOpen(true);
    },
    close() {
      calls.push('close');
      open = false;
      host!.setOpen(false);
    },
    isOpen: () => open,
    setLocale: (tag) => calls.push(`locale:${tag}`),
    identify: (identity: WidgetIdentity) => calls.push(`identify:${identity.customerId}`),
  };
  const imports: string[] = [];
  const importPanel = vi.fn(async (url: string): Promise<PanelModule> => {
    imports.push(url);
    return {
      mount(h) {
        host = h;
        calls.push(`mount:${h.locale}:${h.identity?.customerId}:${h.apiBase}`);
        return api;
      },
    };
  });
  return { calls, imports, importPanel, host: () => host! };
}

const launcher = () => document.querySelector('concierge-widget')!.shadowRoot!.querySelector<HTMLButtonElement>('.cc-launcher')!;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  document.body.innerHTML = '';
  document.documentElement.lang = 'en';
  delete win.Concierge;
  sessionStorage.clear();
  localStorage.clear();
});
afterEach(() => vi.restoreAllMocks());

describe('loader global', () => {
  it('replays calls queued before it arrived, in order', async () => {
    installStub();
    const events: string[] = [];
    win.Concierge!('on', 'ready', () => events.push('ready'));
    win.Concierge!('setLocale', 'de');
    win.Concierge!('identify', { customerId: 'c-42', signature: 'sig_0123456789abcdef' });
    win.Concierge!('on', 'open', () => events.push('open'));
    win.Concierge!('open');
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });

    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel-abc123.js');
    await vi.waitFor(() => expect(panel.calls).toContain('open:true'));

    expect(win.Concierge!.loaded).toBe(true);
    expect(panel.imports).toEqual(['https://concierge.example/widget/panel-abc123.js']);
    expect(panel.calls).toEqual(['mount:de:c-42:https://concierge.example/', 'open:true']);
    expect(events).toEqual(['ready', 'open']);
    // The launcher speaks the queued locale and reflects the open state.
    expect(launcher().getAttribute('aria-label')).toBe('Chat schließen');
    expect(launcher().getAttribute('aria-expanded')).toBe('true');
    expect(sessionStorage.getItem('concierge:pk_test_0001abcd:open')).toBe('1');

    // After loading, commands run directly.
    win.Concierge!('setLocale', 'en');
    win.Concierge!('identify', { customerId: 'c-43', signature: 'sig_0123456789abcdef' });
    win.Concierge!('close');
    expect(panel.calls.slice(2)).toEqual(['locale:en', 'identify:c-43', 'close']);
    expect(launcher().getAttribute('aria-label')).toBe('Open chat');
    expect(sessionStorage.getItem('concierge:pk_test_0001abcd:open')).toBeNull();
  });

  it('a queued open followed by close leaves the panel closed', async () => {
    installStub();
    win.Concierge!('open');
    win.Concierge!('close');
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    await flush();
    await flush();
    expect(panel.calls.filter((c) => c.startsWith('open'))).toEqual([]);
  });

  it('loads nothing but the launcher until there is intent, then imports the panel once', async () => {
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    await flush();
    expect(panel.importPanel).not.toHaveBeenCalled();
    launcher().dispatchEvent(new Event('pointerenter'));
    launcher().dispatchEvent(new Event('focus'));
    launcher().click();
    await vi.waitFor(() => expect(panel.calls).toContain('open:true'));
    expect(panel.importPanel).toHaveBeenCalledTimes(1);
    launcher().click();
    expect(panel.calls.at(-1)).toBe('close');
  });

  it('retries a panel download that failed on the next intent', async () => {
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    const real = panel.importPanel.getMockImplementation()!;
    panel.importPanel.mockImplementationOnce(() => Promise.reject(new Error('offline')));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    boot(window, panel.importPanel, 'panel.js');
    launcher().click();
    await flush();
    expect(panel.calls).toEqual([]);
    panel.importPanel.mockImplementation(real);
    launcher().click();
    await vi.waitFor(() => expect(panel.calls).toContain('open:true'));
  });

  it('shows unread counts on the launcher and emits them', async () => {
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    const counts: unknown[] = [];
    win.Concierge!('on', 'unread', (n: unknown) => counts.push(n));
    launcher().dispatchEvent(new Event('pointerenter'));
    await vi.waitFor(() => expect(panel.calls.length).toBe(1));
    panel.host().setUnread(2);
    const badge = document.querySelector('concierge-widget')!.shadowRoot!.querySelector<HTMLElement>('.cc-badge')!;
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe('2');
    expect(launcher().getAttribute('aria-label')).toBe('Open chat, 2 unread messages');
    expect(counts).toEqual([2]);
  });

  it('restores an open panel from this tab’s previous page without taking focus', async () => {
    sessionStorage.setItem('concierge:pk_test_0001abcd:open', '1');
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    await vi.waitFor(() => expect(panel.calls).toContain('open:false'));
  });

  it('uses data-api for the API and the script’s origin for the panel', async () => {
    addScript({ src: 'https://cdn.example/concierge/widget.js', 'data-bot': 'pk_test_0001abcd', 'data-api': 'https://api.example/base' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    win.Concierge!('open');
    await vi.waitFor(() => expect(panel.calls.length).toBeGreaterThan(0));
    expect(panel.imports).toEqual(['https://cdn.example/concierge/widget/panel.js']);
    expect(panel.calls[0]).toBe('mount:null:undefined:https://api.example/base/');
  });

  it('runs once even if the snippet is on the page twice', async () => {
    addScript({ src: 'https://concierge.example/widget.js', 'data-bot': 'pk_test_0001abcd' });
    const panel = fakePanel();
    boot(window, panel.importPanel, 'panel.js');
    const first = win.Concierge;
    boot(window, panel.importPanel, 'panel.js');
    await flush();
    expect(win.Concierge).toBe(first);
    expect(document.querySelectorAll('concierge-widget')).toHaveLength(1);
  });

  it('refuses to start without data-bot, leaving the page alone', () => {
    addScript({ src: 'https://concierge.example/widget.js' });
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    boot(window, fakePanel().importPanel, 'panel.js');
    expect(error).toHaveBeenCalled();
    expect(document.querySelector('concierge-widget')).toBeNull();
  });
});
