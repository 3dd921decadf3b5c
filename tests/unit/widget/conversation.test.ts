// How stream events change the widget's conversation state: ordering, replay, de-duplication.
import { describe, expect, it } from 'vitest';
import type { WidgetStreamEvent } from '../../../core/wire/widget.ts';
import {
  addPending,
  applyEvent,
  emptyConversation,
  fromHistory,
  isNewerEventId,
  settlePending,
  type ConversationState,
} from '../../../widget/src/panel/conversation.ts';

const A = '11111111-1111-4111-8111-111111111111';
const U = '22222222-2222-4222-8222-222222222222';
const G = '33333333-3333-4333-8333-333333333333';
const at = '2026-12-01T10:00:00+01:00';

function run(events: WidgetStreamEvent[], start: ConversationState = emptyConversation()) {
  let state = start;
  const arrived: string[] = [];
  const errors: string[] = [];
  for (const e of events) {
    const r = applyEvent(state, e);
    state = r.state;
    if (r.arrived) arrived.push(r.arrived.text);
    if (r.error) errors.push(r.error.code);
  }
  return { state, arrived, errors };
}

const answer: WidgetStreamEvent[] = [
  { event: 'typing', id: '1', data: { role: 'assistant', active: true } },
  { event: 'message.created', id: '2', data: { messageId: A, role: 'assistant', text: '', createdAt: at } },
  { event: 'message.delta', id: '3', data: { messageId: A, role: 'assistant', delta: 'Hel' } },
  { event: 'message.delta', id: '4', data: { messageId: A, role: 'assistant', delta: 'lo' } },
  { event: 'message.completed', id: '5', data: { messageId: A, role: 'assistant', text: 'Hello' } },
];

describe('conversation state', () => {
  it('builds a streamed assistant message and reports it once when complete', () => {
    const { state, arrived } = run(answer);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]).toMatchObject({ id: A, text: 'Hello', status: 'complete' });
    expect(state.typing.assistant).toBe(false);
    expect(state.lastEventId).toBe('5');
    expect(arrived).toEqual(['Hello']);
  });

  it('ignores replayed events it already applied (overlap after a reconnect)', () => {
    const first = run(answer.slice(0, 3));
    expect(first.state.messages[0]!.text).toBe('Hel');
    // The server replays from id 2 (say the client's Last-Event-ID was older): no doubled text.
    const { state, arrived } = run(answer.slice(1), first.state);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]!.text).toBe('Hello');
    expect(arrived).toEqual(['Hello']);
  });

  it('compares ids as numbers of any length, not as strings', () => {
    expect(isNewerEventId('10', '9')).toBe(true);
    expect(isNewerEventId('9', '10')).toBe(false);
    expect(isNewerEventId('100000000000000000001', '100000000000000000000')).toBe(true);
    expect(isNewerEventId('5', '5')).toBe(false);
    expect(isNewerEventId('1', null)).toBe(true);
  });

  it('orders a live delta’s position id after its logged id and before the next one', () => {
    expect(isNewerEventId('5.11111111.3', '5')).toBe(true);
    expect(isNewerEventId('5', '5.11111111.3')).toBe(false);
    expect(isNewerEventId('6', '5.11111111.3')).toBe(true);
    expect(isNewerEventId('5.11111111.9', '5.11111111.3')).toBe(true);
    expect(isNewerEventId('5.11111111.3', '5.11111111.9')).toBe(false);
    expect(isNewerEventId('10.11111111.1', '9.11111111.99')).toBe(true);
  });

  it('takes live text by its offset: once, in order, whatever the stream sends again (history, a resumed stream)', () => {
    const live = (id: string, offset: number, delta: string): WidgetStreamEvent => ({ event: 'message.delta', id, data: { messageId: A, role: 'assistant', delta, offset } });
    // The first text comes before its "created" (the row is written behind it).
    const { state } = run([
      answer[0]!,
      live('1.11111111.3', 0, 'Hel'),
      answer[1]!, // created, text "": must not undo "Hel"
      live('2.11111111.3', 0, 'Hel'), // a resumed stream sends the text so far again
      live('2.11111111.5', 3, 'lo'),
      live('2.11111111.9', 7, ' you'), // starts beyond what it has: skipped (completion brings it)
      live('2.11111111.6', 3, 'lo!'), // overlaps: only "!" is new
    ]);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]).toMatchObject({ id: A, text: 'Hello!', status: 'streaming' });
    expect(state.lastEventId).toBe('2.11111111.9');
    // After the completion, late text changes nothing.
    const done = run([{ event: 'message.completed', id: '5', data: { messageId: A, role: 'assistant', text: 'Hello!' } }, live('5.11111111.10', 6, ' more')], state).state;
    expect(done.messages[0]).toMatchObject({ text: 'Hello!', status: 'complete' });
  });

  it('treats message.completed as authoritative even if deltas were missed', () => {
    const { state } = run([answer[1]!, answer[4]!]);
    expect(state.messages[0]!.text).toBe('Hello');
  });

  it('starts a message from a delta whose "created" it never saw', () => {
    const { state } = run([{ event: 'message.delta', id: '7', data: { messageId: A, role: 'assistant', delta: 'Hi' } }]);
    expect(state.messages[0]).toMatchObject({ id: A, text: 'Hi', status: 'streaming' });
  });

  it('matches the shopper’s optimistic bubble to its echo by clientMessageId, wherever the 202 lands', () => {
    let s = addPending(emptyConversation(), 'hi', 'c1');
    expect(s.messages[0]).toMatchObject({ status: 'sending', id: null });
    // Echo first, then the 202.
    s = run([{ event: 'message.created', id: '1', data: { messageId: U, role: 'user', text: 'hi', createdAt: at, clientMessageId: 'c1' } }], s).state;
    s = settlePending(s, 'c1', { messageId: U });
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]).toMatchObject({ key: 'c1', id: U, status: 'complete' });

    // 202 first, then the echo.
    let t = addPending(emptyConversation(), 'yo', 'c2');
    t = settlePending(t, 'c2', { messageId: U });
    t = run([{ event: 'message.created', id: '1', data: { messageId: U, role: 'user', text: 'yo', createdAt: at, clientMessageId: 'c2' } }], t).state;
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ key: 'c2', id: U, status: 'complete' });
  });

  it('marks a message whose POST failed, and keeps unsent bubbles across a history reload', () => {
    let s = addPending(emptyConversation(), 'lost?', 'c3');
    s = settlePending(s, 'c3', 'failed');
    expect(s.messages[0]!.status).toBe('failed');
    const reloaded = fromHistory(s, { items: [], nextCursor: null, lastEventId: '9' }, { active: false, agentName: null });
    expect(reloaded.messages.map((m) => m.text)).toEqual(['lost?']);
    expect(reloaded.lastEventId).toBe('9');
  });

  it('takes history as the source of truth and drops local copies the server already has', () => {
    const s = addPending(emptyConversation(), 'hi', 'c1');
    const state = fromHistory(
      s,
      {
        items: [{ id: U, role: 'user', text: 'hi', cards: [], status: 'complete', createdAt: at, clientMessageId: 'c1' }],
        nextCursor: 'older',
        lastEventId: '3',
      },
      { active: true, agentName: 'Anna' },
    );
    expect(state.messages).toHaveLength(1);
    expect(state.olderCursor).toBe('older');
    expect(state.handoff).toEqual({ active: true, agentName: 'Anna' });
  });

  it('reports agent messages as they are created, and handoff and error events', () => {
    const { state, arrived, errors } = run([
      { event: 'handoff', id: '1', data: { active: true, agentName: 'Anna' } },
      { event: 'message.created', id: '2', data: { messageId: G, role: 'agent', text: 'Anna here', createdAt: at } },
      { event: 'message.completed', id: '3', data: { messageId: G, role: 'agent', text: 'Anna here' } },
      { event: 'typing', id: '4', data: { role: 'assistant', active: true } },
      { event: 'error', id: '5', data: { code: 'PROVIDER_UNAVAILABLE', message: 'down' } },
    ]);
    expect(state.handoff).toEqual({ active: true, agentName: 'Anna' });
    expect(arrived).toEqual(['Anna here']); // once, although completed followed
    expect(errors).toEqual(['PROVIDER_UNAVAILABLE']);
    expect(state.typing.assistant).toBe(false);
  });
});
