/**
 * Conversation state and how stream events change it. Pure (no DOM, no Solid), so replay,
 * ordering and de-duplication are unit-tested on their own.
 *
 * Rules: an event whose id is not newer than the last applied one is ignored (replays after a
 * reconnect may overlap); messages are keyed by server id; the shopper's optimistic bubble is
 * matched to its server echo by clientMessageId; `message.completed` is authoritative.
 */
import type {
  Card,
  HandoffState,
  ListMessagesResponse,
  MessageRole,
  StreamErrorEvent,
  WidgetMessage,
  WidgetStreamEvent,
} from '../../../core/wire/widget.ts';

export interface ChatMessage {
  /** Stable key for rendering: the clientMessageId of a shopper message, else the server id. */
  key: string;
  /** Server id; null until the server acknowledged a shopper message. */
  id: string | null;
  role: MessageRole;
  text: string;
  cards: Card[];
  status: 'sending' | 'failed' | 'streaming' | 'complete';
  clientMessageId?: string;
}

export interface ConversationState {
  messages: ChatMessage[];
  lastEventId: string | null;
  typing: { assistant: boolean; agent: boolean };
  handoff: HandoffState;
  /** Cursor for older history; null when everything is loaded. */
  olderCursor: string | null;
}

export interface Applied {
  state: ConversationState;
  /** An assistant/agent message that just became complete: announce it, count it as unread. */
  arrived?: ChatMessage;
  error?: StreamErrorEvent;
}

export const emptyConversation = (): ConversationState => ({
  messages: [],
  lastEventId: null,
  typing: { assistant: false, agent: false },
  handoff: { active: false, agentName: null },
  olderCursor: null,
});

/** True when event id `a` is newer than `b` (decimal strings of any length; null = none yet). */
/**
 * Whether event id `a` comes after `b` (EventIdSchema): logged ids are decimal numbers; a live
 * delta's id is `<logged id>.<message ref>.<offset>`, after its logged id.
 */
export function isNewerEventId(a: string, b: string | null): boolean {
  if (b === null) return true;
  const [seqA = '', refA, atA] = a.split('.');
  const [seqB = '', refB, atB] = b.split('.');
  if (seqA !== seqB) return seqA.length !== seqB.length ? seqA.length > seqB.length : seqA > seqB;
  if (refA === undefined) return false;
  return refB === undefined || refA !== refB || Number(atA) > Number(atB);
}

const fromWire = (m: WidgetMessage): ChatMessage => ({
  key: m.clientMessageId ?? m.id,
  id: m.id,
  role: m.role,
  text: m.text,
  cards: m.cards,
  status: m.status,
  ...(m.clientMessageId ? { clientMessageId: m.clientMessageId } : {}),
});

/** State from the newest history page; keeps local bubbles the server has not echoed yet. */
export function fromHistory(prev: ConversationState, page: ListMessagesResponse, handoff: HandoffState): ConversationState {
  const messages = page.items.map(fromWire);
  const known = new Set(messages.map((m) => m.clientMessageId).filter(Boolean));
  const pending = prev.messages.filter((m) => m.id === null && !known.has(m.clientMessageId));
  return {
    ...prev,
    messages: [...messages, ...pending],
    lastEventId: page.lastEventId,
    olderCursor: page.nextCursor,
    handoff,
  };
}

/** Prepends an older history page (the "load earlier" button). */
export function prependHistory(prev: ConversationState, page: ListMessagesResponse): ConversationState {
  const have = new Set(prev.messages.map((m) => m.id));
  const older = page.items.filter((m) => !have.has(m.id)).map(fromWire);
  return { ...prev, messages: [...older, ...prev.messages], olderCursor: page.nextCursor };
}

/** Adds the shopper's message before the server answered. */
export function addPending(prev: ConversationState, text: string, clientMessageId: string): ConversationState {
  const message: ChatMessage = { key: clientMessageId, id: null, role: 'user', text, cards: [], status: 'sending', clientMessageId };
  return { ...prev, messages: [...prev.messages, message] };
}

/** Marks a shopper message as accepted (202) or failed. */
export function settlePending(prev: ConversationState, clientMessageId: string, result: { messageId: string } | 'failed'): ConversationState {
  return {
    ...prev,
    messages: prev.messages.map((m) => {
      if (m.clientMessageId !== clientMessageId || m.status === 'complete') return m;
      return result === 'failed' ? { ...m, status: 'failed' } : { ...m, id: m.id ?? result.messageId, status: 'complete' };
    }),
  };
}

export function applyEvent(prev: ConversationState, event: WidgetStreamEvent): Applied {
  // A live delta's id is a position, not a new number: its offset orders its text; its id is kept
  // (when newer) so that a stream opened again resumes the text where it stopped.
  if (event.event === 'message.delta' && event.data.offset !== undefined) {
    const applied = applyDelta(prev, event.data);
    return event.id && isNewerEventId(event.id, prev.lastEventId) ? { ...applied, state: { ...applied.state, lastEventId: event.id } } : applied;
  }
  if (!isNewerEventId(event.id, prev.lastEventId)) return { state: prev };
  const state: ConversationState = { ...prev, lastEventId: event.id };

  switch (event.event) {
    case 'message.created': {
      const d = event.data;
      const complete = d.role !== 'assistant'; // user and agent messages arrive whole
      const incoming: ChatMessage = {
        key: d.clientMessageId ?? d.messageId,
        id: d.messageId,
        role: d.role,
        text: d.text,
        cards: d.cards ?? [],
        status: complete ? 'complete' : 'streaming',
        ...(d.clientMessageId ? { clientMessageId: d.clientMessageId } : {}),
      };
      const at = state.messages.findIndex(
        (m) => m.id === d.messageId || (d.clientMessageId !== undefined && m.clientMessageId === d.clientMessageId),
      );
      if (at >= 0) {
        const existing = state.messages[at]!;
        // Never let a late "created" undo text a message already has (a completed one, or live deltas that came first).
        const keep = (existing.status === 'complete' && existing.id) || (existing.status === 'streaming' && existing.text.length > incoming.text.length);
        state.messages = replaceAt(state.messages, at, keep ? { ...existing, id: d.messageId } : incoming);
        return { state };
      }
      state.messages = [...state.messages, incoming];
      if (d.role !== 'user') state.typing = { ...state.typing, [d.role]: false };
      return d.role === 'agent' ? { state, arrived: incoming } : { state };
    }
    case 'message.delta': {
      const at = state.messages.findIndex((m) => m.id === event.data.messageId);
      if (at < 0) {
        // The "created" was missed (e.g. history snapshot raced it): start the message from the delta.
        state.messages = [
          ...state.messages,
          { key: event.data.messageId, id: event.data.messageId, role: event.data.role, text: event.data.delta, cards: [], status: 'streaming' },
        ];
        return { state };
      }
      const m = state.messages[at]!;
      if (m.status === 'complete') return { state };
      state.messages = replaceAt(state.messages, at, { ...m, text: m.text + event.data.delta });
      return { state };
    }
    case 'message.completed': {
      const d = event.data;
      const at = state.messages.findIndex((m) => m.id === d.messageId);
      const before = at >= 0 ? state.messages[at]! : null;
      const done: ChatMessage = {
        key: before?.key ?? d.messageId,
        id: d.messageId,
        role: d.role,
        text: d.text,
        cards: d.cards ?? before?.cards ?? [],
        status: 'complete',
        ...(before?.clientMessageId ? { clientMessageId: before.clientMessageId } : {}),
      };
      state.messages = at >= 0 ? replaceAt(state.messages, at, done) : [...state.messages, done];
      if (d.role !== 'user') state.typing = { ...state.typing, [d.role]: false };
      const isNew = d.role !== 'user' && before?.status !== 'complete';
      return isNew ? { state, arrived: done } : { state };
    }
    case 'typing':
      state.typing = { ...state.typing, [event.data.role]: event.data.active };
      return { state };
    case 'handoff':
      state.handoff = event.data;
      return { state };
    case 'error':
      state.typing = { assistant: false, agent: false };
      return { state, error: event.data };
  }
}

/** A live delta: the part beyond the text the message already has, once; nothing for a completed message. */
function applyDelta(prev: ConversationState, d: { messageId: string; role: MessageRole; delta: string; offset?: number | undefined }): Applied {
  const offset = d.offset ?? 0;
  const at = prev.messages.findIndex((m) => m.id === d.messageId);
  if (at < 0) {
    // Before its "created" (it is written behind the first text): the message starts here.
    if (offset > 0) return { state: prev };
    return { state: { ...prev, messages: [...prev.messages, { key: d.messageId, id: d.messageId, role: d.role, text: d.delta, cards: [], status: 'streaming' }] } };
  }
  const m = prev.messages[at]!;
  const have = m.text.length;
  if (m.status === 'complete' || offset > have || offset + d.delta.length <= have) return { state: prev };
  return { state: { ...prev, messages: replaceAt(prev.messages, at, { ...m, text: m.text + d.delta.slice(have - offset) }) } };
}

function replaceAt<T>(list: T[], index: number, value: T): T[] {
  const copy = list.slice();
  copy[index] = value;
  return copy;
}
