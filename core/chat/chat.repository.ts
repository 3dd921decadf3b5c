import { inTransaction, inTransactionAndCommit, type Database, type Tx } from '../db/database.ts';
import type { LlmMessage } from './llm.port.ts';
import type { Card, MessageRole } from '../wire/widget.ts';

/** Persistence of the chat engine: conversations, messages and the event log (migration 20261122T0840). */

export type ConversationStatus = 'open' | 'waiting_for_agent' | 'with_agent' | 'closed';
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = ['open', 'waiting_for_agent', 'with_agent', 'closed'];

export interface ConversationRow {
  tenant_id: string;
  id: string;
  bot_id: string;
  visitor_id: string;
  status: ConversationStatus;
  locale: string;
  time_zone: string | null;
  verified_customer_id: string | null;
  verified_email: string | null;
  agent_user_id: string | null;
  agent_name: string | null;
  handoff_requested_at: Date | null;
  follow_up: boolean;
  contact_email: string | null;
  last_event_seq: number;
  message_count: number;
  last_message_at: Date | null;
  last_message_preview: string | null;
  /** The store origin the shopper's widget session came from (the reply mail links back to it). */
  store_origin: string | null;
  /** Last moment a widget stream had the conversation open, or its history was read. */
  visitor_seen_at: Date | null;
  /** While later than now, a widget stream is open (refreshed while it stays open). */
  visitor_online_until: Date | null;
  /** The shopper stopped reply mails for this conversation. */
  reply_mail_stopped_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  tenant_id: string;
  id: string;
  conversation_id: string;
  role: MessageRole;
  text: string;
  cards: Card[];
  status: 'streaming' | 'complete';
  client_message_id: string | null;
  author_user_id: string | null;
  llm_steps: LlmMessage[] | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  model: string | null;
  adapter: string | null;
  response_ms: number | null;
  error_code: string | null;
  created_at: Date;
  completed_at: Date | null;
  /** Agent messages: the reply mail that carries them to a shopper who left. */
  reply_mail_id?: string | null;
}

/** Widget stream events plus the dashboard-only ones (never sent to the widget). */
export type ChatEventType = 'message.created' | 'message.delta' | 'message.completed' | 'typing' | 'handoff' | 'error' | 'conversation.updated' | 'budget.warning';

export interface NewEvent {
  type: ChatEventType;
  data: unknown;
}

/** One row of the event log; `seq` is the stream's `id:`. */
export interface StoredEvent {
  tenantId: string;
  conversationId: string;
  seq: number;
  type: ChatEventType;
  data: unknown;
}

/** The single NOTIFY channel every instance LISTENs on; payload `tenant:conversation:seq:type`. */
export const CHAT_NOTIFY_CHANNEL = 'concierge_chat';

/**
 * The NOTIFY channel of live deltas (answers' text as it streams, never logged): a JSON payload
 * `{ t: tenant, c: conversation, m: message, o: offset, d: text, s: origin }` (core/chat/event-hub.ts).
 */
export const CHAT_DELTA_CHANNEL = 'concierge_chat_deltas';

const PREVIEW_CHARS = 140;
const preview = (text: string) => (text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS - 1)}…`);

/** A data-modifying statement run inside `appendEvents`' statement; named bindings, unique prefixes. */
export interface SqlFragment {
  sql: string;
  bindings: Record<string, unknown>;
}

export interface AppendOptions {
  /** false: commit without waiting for the WAL flush (token-stream writes only). */
  durable?: boolean;
  /** false: no NOTIFY in this statement; the caller announces the events after commit (`notify`). */
  notify?: boolean;
  with?: SqlFragment[];
  /** Also count one message in the conversation (count, activity time, preview). */
  countMessage?: { preview?: string | undefined };
  /** The writing instance's mark, appended to the NOTIFY payloads (ChatEventHub.origin). */
  origin?: string;
}

export interface CompletedMessage {
  text: string;
  cards: Card[];
  steps?: LlmMessage[] | undefined;
  promptTokens?: number;
  completionTokens?: number;
  model?: string | null;
  adapter?: string | null;
  responseMs?: number;
  errorCode?: string | null;
}

export interface ConversationListFilter {
  status?: ConversationStatus | undefined;
  botId?: string | undefined;
  followUp?: boolean | undefined;
  /** Words the conversation's messages (or contact email) contain. */
  q?: string | undefined;
  limit: number;
  /** Position after which the page starts: (updated_at, id) of the previous page's last row. */
  after?: { updatedAt: Date; id: string } | undefined;
}

type AppendedRow = { seq: number; type: ChatEventType; data: unknown };
const storedEvents = (tenantId: string, conversationId: string, rows: AppendedRow[]): StoredEvent[] =>
  rows.map((r) => ({ tenantId, conversationId, seq: Number(r.seq), type: r.type, data: r.data })).sort((a, b) => a.seq - b.seq);

export class ChatRepository {
  constructor(private readonly db: Database) {}

  tenant<T>(tenantId: string, work: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.tenant(tenantId, work);
  }

  // ---------------------------------------------------------------- events

  /**
   * Appends events in one statement: the conversation row's counter hands out the sequence
   * numbers (its row lock orders concurrent writers, so commit order = sequence order), the rows
   * go into the log, and each is announced with NOTIFY, delivered when the transaction commits.
   */
  /**
   * Appends events inside the caller's unit of work. `last`: nothing follows in it, so the statement
   * carries its COMMIT (inTransactionAndCommit: one round trip fewer).
   */
  async appendEvents(trx: Tx, tenantId: string, conversationId: string, events: NewEvent[], options: AppendOptions & { last?: boolean } = {}): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const { last, ...append } = options;
    const { sql, bindings } = this.appendStatement(tenantId, conversationId, events, append);
    const rows = last ? (await inTransactionAndCommit(trx, { rows: trx.raw<AppendedRow[]>(sql, bindings) })).rows : (await trx.raw<{ rows: AppendedRow[] }>(sql, bindings)).rows;
    return storedEvents(tenantId, conversationId, rows);
  }

  /**
   * `appendEvents` as a unit of work of its own in ONE round trip (the statement is the whole
   * implicit transaction: no BEGIN/COMMIT exchange), for writes that read nothing first: the
   * assistant's streamed text and its delta events.
   */
  async appendEventsAtOnce(tenantId: string, conversationId: string, events: NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const { sql, bindings } = this.appendStatement(tenantId, conversationId, events, options);
    const { rows } = await this.db.tenantBatch(tenantId, (knex) => ({ rows: knex.raw<AppendedRow[]>(sql, bindings) }), { durable: options.durable !== false });
    return storedEvents(tenantId, conversationId, rows);
  }

  private appendStatement(tenantId: string, conversationId: string, events: NewEvent[], options: AppendOptions): { sql: string; bindings: Record<string, unknown> } {
    const n = events.length;
    // Token-stream writes (deltas, typing) need not wait for the WAL flush: a database crash could
    // lose the last few of them, never the stored messages (see docs/decisions/0004).
    const commit = options.durable === false ? `, set_config('synchronous_commit', 'off', true) AS async_commit` : '';
    // Statements that belong with these events run in the same statement: one round trip.
    const extra = (options.with ?? []).map((w, i) => `w${i} AS (${w.sql}),`).join('\n');
    const counted = options.countMessage
      ? `, message_count = message_count + 1, last_message_at = now()${options.countMessage.preview ? ', last_message_preview = :countPreview' : ''}`
      : '';
    const bindings: Record<string, unknown> = Object.assign(
      {
        n,
        tenantId,
        conversationId,
        events: JSON.stringify(events),
        channel: CHAT_NOTIFY_CHANNEL,
        prefix: `${tenantId}:${conversationId}:`,
        suffix: options.origin ? `:${options.origin}` : '',
        countPreview: options.countMessage?.preview ? preview(options.countMessage.preview) : null,
      },
      ...(options.with ?? []).map((w) => w.bindings),
    );
    return {
      sql: `WITH ${extra}
       c AS (
         UPDATE conversations SET last_event_seq = last_event_seq + :n, updated_at = now()${counted}
         WHERE tenant_id = :tenantId AND id = :conversationId
         RETURNING last_event_seq
       ), e AS (
         SELECT x.ord, x.value->>'type' AS type, x.value->'data' AS data
         FROM jsonb_array_elements(:events::jsonb) WITH ORDINALITY AS x(value, ord)
       ), ins AS (
         INSERT INTO chat_events (tenant_id, conversation_id, seq, type, data)
         SELECT :tenantId, :conversationId, c.last_event_seq - :n + e.ord, e.type, e.data FROM c, e
         RETURNING seq, type, data
       )
       SELECT seq, type, data${options.notify === false ? '' : `, pg_notify(:channel, :prefix || seq || ':' || type || :suffix) AS notified`}${commit} FROM ins`,
      bindings,
    };
  }

  /** The assistant's streaming message row, written with its first events (`appendEvents` `with`). */
  insertStreamingMessageSql(tenantId: string, conversationId: string, messageId: string, text: string, createdAt: Date): SqlFragment {
    return {
      sql: `INSERT INTO chat_messages (tenant_id, id, conversation_id, role, text, status, created_at) VALUES (:smTenant, :smId, :smConversation, 'assistant', :smText, 'streaming', :smCreated) RETURNING 1`,
      bindings: { smTenant: tenantId, smId: messageId, smConversation: conversationId, smText: text, smCreated: createdAt },
    };
  }

  /**
   * Saves a streaming answer's text so far (no event: its deltas went out live). One round trip,
   * not waiting for the disk; only while the message streams, so it never undoes the final text.
   */
  async saveStreamingText(tenantId: string, messageId: string, text: string): Promise<void> {
    await this.db.tenantBatch(
      tenantId,
      (knex) => ({ saved: knex.raw(`UPDATE chat_messages SET text = ? WHERE tenant_id = ? AND id = ? AND status = 'streaming'`, [text, tenantId, messageId]) }),
      { durable: false },
    );
  }

  /** A message's text and whether it still streams (event hub: the start of an answer it missed). */
  async answerText(tenantId: string, messageId: string): Promise<{ text: string; streaming: boolean } | undefined> {
    const { rows } = await this.db.tenantBatch(tenantId, (knex) => ({
      rows: knex('chat_messages').where({ tenant_id: tenantId, id: messageId }).select<Array<{ text: string; status: string }>>('text', 'status'),
    }));
    const row = rows[0];
    return row ? { text: row.text, streaming: row.status === 'streaming' } : undefined;
  }

  /** An assistant message that is complete at once (no text streamed before), written with its events. */
  insertCompletedMessageSql(tenantId: string, conversationId: string, messageId: string, createdAt: Date, result: CompletedMessage): SqlFragment {
    const { bindings } = this.completeMessageSql(tenantId, messageId, result);
    return {
      sql: `INSERT INTO chat_messages (tenant_id, id, conversation_id, role, text, cards, status, llm_steps, prompt_tokens, completion_tokens,
              model, adapter, response_ms, error_code, created_at, completed_at)
            VALUES (:cmTenant, :cmId, :cmConversation, 'assistant', :cmText, :cmCards::jsonb, 'complete', :cmSteps::jsonb, :cmPrompt, :cmCompletion,
              :cmModel, :cmAdapter, :cmResponseMs, :cmError, :cmCreated, now()) RETURNING 1`,
      bindings: { ...bindings, cmConversation: conversationId, cmCreated: createdAt },
    };
  }

  /** The final state of an assistant message, written with `message.completed`. */
  completeMessageSql(tenantId: string, messageId: string, result: CompletedMessage): SqlFragment {
    return {
      sql: `UPDATE chat_messages SET text = :cmText, cards = :cmCards::jsonb, status = 'complete', llm_steps = :cmSteps::jsonb,
              prompt_tokens = :cmPrompt, completion_tokens = :cmCompletion, model = :cmModel, adapter = :cmAdapter,
              response_ms = :cmResponseMs, error_code = :cmError, completed_at = now()
            WHERE tenant_id = :cmTenant AND id = :cmId RETURNING 1`,
      bindings: {
        cmTenant: tenantId,
        cmId: messageId,
        cmText: result.text,
        cmCards: JSON.stringify(result.cards),
        cmSteps: result.steps && result.steps.length > 0 ? JSON.stringify(result.steps) : null,
        cmPrompt: result.promptTokens ?? null,
        cmCompletion: result.completionTokens ?? null,
        cmModel: result.model ?? null,
        cmAdapter: result.adapter ?? null,
        cmResponseMs: result.responseMs ?? null,
        cmError: result.errorCode ?? null,
      },
    };
  }

  /**
   * Announces committed events to every instance, in a transaction of its own that does not wait
   * for the WAL flush. A NOTIFY inside a durable transaction would hold PostgreSQL's cluster-wide
   * notify lock through that transaction's flush and serialise every other notifying commit.
   */
  async notify(events: StoredEvent[], origin?: string): Promise<void> {
    const first = events[0];
    if (!first) return;
    const payloads = events.map((e) => `${e.tenantId}:${e.conversationId}:${e.seq}:${e.type}${origin ? `:${origin}` : ''}`);
    await this.db.tenant(first.tenantId, (trx) =>
      trx.raw(`SELECT set_config('synchronous_commit', 'off', true), pg_notify(?, p) FROM unnest(?::text[]) AS p`, [CHAT_NOTIFY_CHANNEL, payloads]),
    );
  }

  /** Events after `afterSeq`, in order (replay and catch-up), at most `limit`. */
  eventsAfter(tenantId: string, conversationId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
    return this.db.tenant(tenantId, async (trx) => {
      const rows = await trx('chat_events')
        .where({ tenant_id: tenantId, conversation_id: conversationId })
        .andWhere('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .select('seq', 'type', 'data');
      return rows.map((r: { seq: number; type: ChatEventType; data: unknown }) => ({ tenantId, conversationId, seq: Number(r.seq), type: r.type, data: r.data }));
    });
  }

  // ---------------------------------------------------------------- conversations

  /** The visitor's live conversation with this bot, or a new one (`created` tells which). */
  async openConversation(
    tenantId: string,
    input: {
      botId: string;
      visitorId: string;
      locale: string;
      timeZone?: string | undefined;
      verified?: { customerId: string; email?: string | undefined } | undefined;
      /** The allowed origin the session came from (where a reply mail links back to). */
      storeOrigin?: string | undefined;
      /** A resume link names this conversation: reopened if the merchant closed it and the visitor has no other live one. */
      reopen?: string | undefined;
    },
  ): Promise<{ conversation: ConversationRow; created: boolean }> {
    return this.db.tenant(tenantId, async (trx) => {
      const identity = input.verified ? { verified_customer_id: input.verified.customerId, verified_email: input.verified.email ?? null } : {};
      if (input.reopen) {
        await trx.raw(
          `UPDATE conversations SET status = 'open', updated_at = now()
           WHERE tenant_id = :tenantId AND id = :id AND bot_id = :botId AND visitor_id = :visitorId AND status = 'closed'
             AND NOT EXISTS (SELECT 1 FROM conversations o WHERE o.tenant_id = :tenantId AND o.bot_id = :botId AND o.visitor_id = :visitorId AND o.status <> 'closed')`,
          { tenantId, id: input.reopen, botId: input.botId, visitorId: input.visitorId },
        );
      }
      const inserted = await trx.raw<{ rows: ConversationRow[] }>(
        `INSERT INTO conversations (tenant_id, bot_id, visitor_id, locale, time_zone, verified_customer_id, verified_email, store_origin)
         VALUES (:tenantId, :botId, :visitorId, :locale, :timeZone, :customerId, :email, :storeOrigin)
         ON CONFLICT (tenant_id, bot_id, visitor_id) WHERE status <> 'closed' DO NOTHING
         RETURNING *`,
        {
          tenantId,
          botId: input.botId,
          visitorId: input.visitorId,
          locale: input.locale,
          timeZone: input.timeZone ?? null,
          customerId: input.verified?.customerId ?? null,
          email: input.verified?.email ?? null,
          storeOrigin: input.storeOrigin ?? null,
        },
      );
      if (inserted.rows[0]) return { conversation: inserted.rows[0], created: true };
      const [existing] = await trx('conversations')
        .where({ tenant_id: tenantId, bot_id: input.botId, visitor_id: input.visitorId })
        .whereNot('status', 'closed')
        .update({ locale: input.locale, ...(input.timeZone ? { time_zone: input.timeZone } : {}), ...(input.storeOrigin ? { store_origin: input.storeOrigin } : {}), ...identity })
        .returning('*');
      return { conversation: existing as ConversationRow, created: false };
    });
  }

  getConversation(tenantId: string, conversationId: string, trx?: Tx): Promise<ConversationRow | undefined> {
    const run = (t: Tx) => t<ConversationRow>('conversations').where({ tenant_id: tenantId, id: conversationId }).first();
    return trx ? run(trx) : this.db.tenant(tenantId, run);
  }

  lockConversation(trx: Tx, tenantId: string, conversationId: string): Promise<ConversationRow | undefined> {
    return trx<ConversationRow>('conversations').where({ tenant_id: tenantId, id: conversationId }).forUpdate().first();
  }

  async updateConversation(trx: Tx, tenantId: string, conversationId: string, patch: Record<string, unknown>): Promise<ConversationRow | undefined> {
    const [row] = await trx('conversations')
      .where({ tenant_id: tenantId, id: conversationId })
      .update({ ...patch, updated_at: trx.fn.now() })
      .returning('*');
    return row as ConversationRow | undefined;
  }

  /** Which tenant and bot a conversation belongs to, before any tenant is known (CORS preflight). */
  async conversationOwner(conversationId: string): Promise<{ tenantId: string; botId: string } | undefined> {
    const row = await this.db.system((trx) => trx('conversations').where({ id: conversationId }).first('tenant_id', 'bot_id'));
    return row ? { tenantId: row.tenant_id, botId: row.bot_id } : undefined;
  }

  listConversations(tenantId: string, filter: ConversationListFilter): Promise<ConversationRow[]> {
    return this.db.tenant(tenantId, (trx) => {
      const query = trx<ConversationRow>('conversations as c').where('c.tenant_id', tenantId).select('c.*');
      if (filter.status) query.andWhere('c.status', filter.status);
      if (filter.botId) query.andWhere('c.bot_id', filter.botId);
      if (filter.followUp !== undefined) query.andWhere('c.follow_up', filter.followUp);
      if (filter.q) {
        const q = filter.q;
        query.andWhere((w) => {
          w.whereExists(
            trx('chat_messages as m')
              .whereRaw('m.tenant_id = c.tenant_id AND m.conversation_id = c.id')
              .andWhereRaw(`m.search @@ websearch_to_tsquery('simple', ?)`, [q]),
          ).orWhereRaw('c.contact_email ILIKE ?', [`%${q.replace(/[\\%_]/g, '\\$&')}%`]);
        });
      }
      // Conversations nobody wrote in yet are sessions, not conversations, for the merchant.
      query.andWhere('c.message_count', '>', 0);
      if (filter.after) query.andWhereRaw('(c.updated_at, c.id) < (?::timestamptz, ?::uuid)', [filter.after.updatedAt, filter.after.id]);
      return query.orderBy([{ column: 'c.updated_at', order: 'desc' }, { column: 'c.id', order: 'desc' }]).limit(filter.limit);
    });
  }

  // ---------------------------------------------------------------- messages

  /**
   * A shopper's message, and the conversation row it counts in (locked from here to commit; a
   * closed conversation reopens). A repeated clientMessageId returns the first message (`duplicate`);
   * undefined when the conversation does not exist (in this tenant).
   */
  async insertUserMessage(
    trx: Tx,
    tenantId: string,
    conversationId: string,
    input: { id?: string; text: string; clientMessageId?: string | undefined; createdAt?: Date },
  ): Promise<{ message: MessageRow; duplicate: boolean; conversation: ConversationRow } | undefined> {
    let message: MessageRow | undefined;
    let counted: ConversationRow | undefined;
    try {
      if (input.id) {
        // The row and its count in one message: the count only if the row went in (not a repeat).
        const inserted = this.insertMessageQuery(trx, tenantId, conversationId, { role: 'user', ...input });
        const count = this.countMessageQuery(trx, tenantId, conversationId, { preview: input.text, reopen: true }).whereExists(
          trx('chat_messages').select(trx.raw('1')).where({ tenant_id: tenantId, id: input.id }),
        );
        const rows = await inTransaction(trx, { inserted, count });
        message = rows.inserted[0] as MessageRow | undefined;
        counted = rows.count[0] as ConversationRow | undefined;
      } else {
        message = await this.insertMessage(trx, tenantId, conversationId, { role: 'user', ...input });
      }
    } catch (error) {
      // The conversation is not there (foreign key): nothing to post to.
      if ((error as { code?: string }).code === '23503') return undefined;
      throw error;
    }
    if (!message) {
      const existing = await trx<MessageRow>('chat_messages')
        .where({ tenant_id: tenantId, conversation_id: conversationId, client_message_id: input.clientMessageId! })
        .first();
      const conversation = await this.getConversation(tenantId, conversationId, trx);
      return existing && conversation ? { message: existing, duplicate: true, conversation } : undefined;
    }
    const conversation = counted ?? (await this.countMessage(trx, tenantId, conversationId, { preview: input.text, reopen: true }));
    return conversation ? { message, duplicate: false, conversation } : undefined;
  }

  /**
   * Inserts a message row; with a clientMessageId already used in this conversation, nothing is
   * inserted and undefined comes back. Does not touch the conversation (see `countMessage`).
   */
  async insertMessage(
    trx: Tx,
    tenantId: string,
    conversationId: string,
    input: { id?: string; role: MessageRole; text: string; status?: 'streaming' | 'complete'; clientMessageId?: string | undefined; authorUserId?: string | null; createdAt?: Date },
  ): Promise<MessageRow | undefined> {
    const rows = await this.insertMessageQuery(trx, tenantId, conversationId, input);
    return rows[0] as MessageRow | undefined;
  }

  private insertMessageQuery(
    trx: Tx,
    tenantId: string,
    conversationId: string,
    input: { id?: string; role: MessageRole; text: string; status?: 'streaming' | 'complete'; clientMessageId?: string | undefined; authorUserId?: string | null; createdAt?: Date },
  ) {
    const query = trx('chat_messages').insert({
      tenant_id: tenantId,
      ...(input.id ? { id: input.id } : {}),
      ...(input.createdAt ? { created_at: input.createdAt } : {}),
      conversation_id: conversationId,
      role: input.role,
      text: input.text,
      status: input.status ?? 'complete',
      client_message_id: input.clientMessageId ?? null,
      author_user_id: input.authorUserId ?? null,
      completed_at: input.status === 'streaming' ? null : trx.fn.now(),
    });
    return (input.clientMessageId ? query.onConflict(trx.raw('(tenant_id, conversation_id, client_message_id) WHERE client_message_id IS NOT NULL')).ignore() : query).returning('*');
  }

  /** One more message in the conversation: count, preview, activity time; `reopen` turns closed into open. Locks the row. */
  async countMessage(trx: Tx, tenantId: string, conversationId: string, input: { preview?: string; reopen?: boolean } = {}): Promise<ConversationRow | undefined> {
    const [row] = await this.countMessageQuery(trx, tenantId, conversationId, input);
    return row as ConversationRow | undefined;
  }

  private countMessageQuery(trx: Tx, tenantId: string, conversationId: string, input: { preview?: string; reopen?: boolean }) {
    return trx('conversations')
      .where({ tenant_id: tenantId, id: conversationId })
      .update({
        message_count: trx.raw('message_count + 1'),
        last_message_at: trx.fn.now(),
        updated_at: trx.fn.now(),
        ...(input.preview ? { last_message_preview: preview(input.preview) } : {}),
        ...(input.reopen ? { status: trx.raw(`CASE WHEN status = 'closed' THEN 'open' ELSE status END`) } : {}),
      })
      .returning('*');
  }

  /**
   * What answering a new shopper message needs, read in one statement before anything is written:
   * the conversation, an earlier message with the same clientMessageId, the shopper messages of the
   * last minute (rate limit), the newest `limit` messages (oldest first) and the tenant's LLM
   * settings with this month's usage.
   */
  async turnContext(
    tenantId: string,
    conversationId: string,
    options: { limit: number; month: string; clientMessageId?: string | undefined },
  ): Promise<{ conversation: ConversationRow | undefined; duplicateOf: string | undefined; history: MessageRow[]; recentUserMessages: number; settings: Record<string, unknown> }> {
    type Row = { conversation: ConversationRow | null; duplicate: string | null; history: MessageRow[] | null; recent: number; settings: Record<string, unknown> | null };
    // One statement, sent with the tenant setting as one message (no BEGIN/COMMIT exchange): the
    // function concierge_turn_context (migration 20261206T0430), whose plan each connection keeps.
    const { rows } = await this.db.tenantBatch(tenantId, (knex) => ({
      rows: knex.raw<Row[]>('SELECT * FROM concierge_turn_context(?, ?, ?, ?, ?)', [tenantId, conversationId, options.limit, options.month, options.clientMessageId ?? null]),
    }));
    const row = rows[0]!;
    const dates = <T extends Record<string, unknown>>(r: T, keys: string[]): T => {
      const out: Record<string, unknown> = { ...r };
      for (const k of keys) if (out[k]) out[k] = new Date(out[k] as string);
      return out as T;
    };
    return {
      conversation: row.conversation
        ? (dates(row.conversation as unknown as Record<string, unknown>, ['handoff_requested_at', 'last_message_at', 'visitor_seen_at', 'visitor_online_until', 'reply_mail_stopped_at', 'created_at', 'updated_at']) as unknown as ConversationRow)
        : undefined,
      duplicateOf: row.duplicate ?? undefined,
      history: (row.history ?? []).map((m) => dates(m as unknown as Record<string, unknown>, ['created_at', 'completed_at']) as unknown as MessageRow),
      recentUserMessages: Number(row.recent),
      settings: row.settings ?? {},
    };
  }

  /** The newest `limit` messages, oldest first (the model's context). */
  async recentMessages(trx: Tx, tenantId: string, conversationId: string, limit: number): Promise<MessageRow[]> {
    const rows = await trx<MessageRow>('chat_messages')
      .where({ tenant_id: tenantId, conversation_id: conversationId })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(limit);
    return rows.reverse();
  }

  /**
   * A page of history (newest page first, items oldest → newest) and the stream position it
   * reflects, read in ONE statement so both come from the same snapshot: replaying events after
   * `lastEventSeq` on top of these messages neither loses nor repeats anything.
   */
  async historyPage(
    tenantId: string,
    conversationId: string,
    options: { limit: number; before?: { createdAt: Date; id: string } | undefined },
  ): Promise<{ messages: MessageRow[]; lastEventSeq: number; hasMore: boolean }> {
    return this.db.tenant(tenantId, async (trx) => {
      const { rows } = await trx.raw<{ rows: { seq: number; messages: MessageRow[] | null }[] }>(
        `SELECT c.last_event_seq AS seq,
           (SELECT json_agg(m ORDER BY m.created_at DESC, m.id DESC) FROM (
              SELECT id, conversation_id, role, text, cards, status, client_message_id, created_at
              FROM chat_messages
              WHERE tenant_id = :tenantId AND conversation_id = :conversationId
                AND (:beforeAt::timestamptz IS NULL OR (created_at, id) < (:beforeAt::timestamptz, :beforeId::uuid))
              ORDER BY created_at DESC, id DESC
              LIMIT :take) m) AS messages
         FROM conversations c WHERE c.tenant_id = :tenantId AND c.id = :conversationId`,
        {
          tenantId,
          conversationId,
          beforeAt: options.before?.createdAt ?? null,
          beforeId: options.before?.id ?? null,
          take: options.limit + 1,
        },
      );
      const row = rows[0];
      const all = (row?.messages ?? []).map((m) => ({ ...m, created_at: new Date(m.created_at) }));
      const hasMore = all.length > options.limit;
      return { messages: all.slice(0, options.limit).reverse(), lastEventSeq: Number(row?.seq ?? 0), hasMore };
    });
  }

  // ---------------------------------------------------------------- contact requests

  async insertContactRequest(trx: Tx, tenantId: string, conversationId: string, input: { email: string; text: string }): Promise<string> {
    const [row] = await trx('chat_contact_requests')
      .insert({ tenant_id: tenantId, conversation_id: conversationId, email: input.email, text: input.text })
      .returning('id');
    return (row as { id: string }).id;
  }

  async markContactNotified(tenantId: string, id: string): Promise<void> {
    await this.db.tenant(tenantId, (trx) => trx('chat_contact_requests').where({ tenant_id: tenantId, id }).update({ notified_at: trx.fn.now() }));
  }
}
