import { sql, type Database, type Tx } from '../db/database.ts';
import { WriteGroups } from '../db/write-groups.ts';
import { OutboxTable, type OutboxRow } from '../mail/outbox-table.ts';
import type { ConversationRow, MessageRow } from './chat.repository.ts';
import type { PresenceMark } from './presence.ts';

/**
 * The reply-mail outbox (migration 20261204T1200): one pending row per conversation collects the
 * agent replies of its grace period; the worker (core/mail/outbox-worker.ts) claims and sends it
 * once. Also the conversation's presence marks (is a widget stream open, what did the shopper see)
 * and the shopper's "stop these emails".
 */

export interface ReplyMailRow extends OutboxRow {
  conversation_id: string;
  status: 'pending' | 'claimed' | 'sent' | 'dead' | 'cancelled';
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
}

export class ReplyMailRepository extends OutboxTable<ReplyMailRow> {
  /** Presence marks: grouped (a reconnect storm opens thousands of streams at once), not waiting for the disk. */
  private readonly presence: WriteGroups;

  constructor(db: Database) {
    super(db, 'chat_reply_mails');
    this.presence = new WriteGroups(db, { durable: false });
  }

  /**
   * In the agent reply's transaction: the conversation's pending mail, created due at `dueAt` when
   * there is none, and the message attached to it. The upsert locks the pending row until commit,
   * so a worker's claim (SKIP LOCKED) never takes a mail whose replies are still being written; a
   * reply after the claim starts the next mail.
   */
  async queue(trx: Tx, tenantId: string, conversationId: string, messageId: string, dueAt: Date): Promise<string> {
    const { rows } = await trx.raw<{ rows: { id: string }[] }>(
      `INSERT INTO chat_reply_mails (tenant_id, conversation_id, due_at, next_attempt_at)
       VALUES (:tenantId, :conversationId, :dueAt, :dueAt)
       ON CONFLICT (tenant_id, conversation_id) WHERE status = 'pending' DO UPDATE SET updated_at = now()
       RETURNING id`,
      { tenantId, conversationId, dueAt },
    );
    const id = rows[0]!.id;
    await trx('chat_messages').where({ tenant_id: tenantId, id: messageId }).update({ reply_mail_id: id });
    return id;
  }

  /** What a reply mail shows: the conversation now and the replies it carries, oldest first. */
  load(row: Pick<ReplyMailRow, 'tenant_id' | 'id' | 'conversation_id'>): Promise<{ conversation: ConversationRow | undefined; messages: MessageRow[] }> {
    return this.db.tenant(row.tenant_id, async (trx) => {
      const conversation = await trx<ConversationRow>('conversations').where({ tenant_id: row.tenant_id, id: row.conversation_id }).first();
      const messages = (await trx('chat_messages')
        .where({ tenant_id: row.tenant_id, reply_mail_id: row.id, role: 'agent' })
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .select('*')) as MessageRow[];
      return { conversation, messages };
    });
  }

  /**
   * Presence marks of one tenant's conversations, one statement for all: each conversation seen at
   * its `seenAt`; its `onlineUntil` set (a stream is open, or ended at that moment) or left as it
   * was (a history read). Never touches `updated_at`: the merchant's list orders by activity, and a
   * shopper watching is not activity. At most one mark per conversation (VisitorPresence sends a
   * second one in the next statement, so they apply in order).
   *
   * Sent with the marks written at the same moment (core/db/write-groups.ts): ten thousand widgets
   * reconnecting after a deploy cost a few statements, not ten thousand. One instance's marks reach
   * the database in the order they were made; a lost mark (a crash before the disk) costs at most a
   * reply mail that was not needed.
   */
  async markSeen(tenantId: string, marks: readonly PresenceMark[]): Promise<void> {
    if (marks.length === 0) return;
    await this.presence.run(tenantId, () =>
      sql<unknown[]>(
        // Marks written out of order (another instance's, or an open's landing after the close's) must not undo a later one.
        `UPDATE conversations c SET visitor_seen_at = m.seen_at, visitor_online_until = coalesce(m.online_until, c.visitor_online_until)
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS m(id, seen_at, online_until)
         WHERE c.tenant_id = $4 AND c.id = m.id AND (c.visitor_seen_at IS NULL OR c.visitor_seen_at <= m.seen_at)`,
        [marks.map((m) => m.conversationId), marks.map((m) => m.seenAt), marks.map((m) => m.onlineUntil ?? null), tenantId],
      ),
    );
  }

  /** The shopper's "stop emails for this conversation": pending mails are cancelled too. Idempotent. */
  stop(tenantId: string, conversationId: string, at: Date): Promise<boolean> {
    return this.db.tenant(tenantId, async (trx) => {
      const n = await trx('conversations').where({ tenant_id: tenantId, id: conversationId }).update({ reply_mail_stopped_at: trx.raw('coalesce(reply_mail_stopped_at, ?)', [at]) });
      await trx('chat_reply_mails')
        .where({ tenant_id: tenantId, conversation_id: conversationId, status: 'pending' })
        .update({ status: 'cancelled', last_error: 'the shopper stopped reply mails', updated_at: at });
      return n > 0;
    });
  }
}
