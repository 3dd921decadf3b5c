import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRepository } from '../../../core/chat/chat.repository.ts';
import { ReplyMailRepository } from '../../../core/chat/reply-mail.repository.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/** ReplyMailRepository.markSeen: many conversations' presence marks in one statement (core/chat/presence.ts). */
describe('presence marks in one statement', () => {
  let t: TestDatabase;
  let marks: ReplyMailRepository;
  let chat: ChatRepository;
  let tenantA: string;
  let tenantB: string;
  const conversations: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    const tenancy = new TenancyRepository(t.db);
    chat = new ChatRepository(t.db);
    marks = new ReplyMailRepository(t.db);
    tenantA = (await tenancy.createTenant({ name: 'A' })).id;
    tenantB = (await tenancy.createTenant({ name: 'B' })).id;
    const botA = await tenancy.createBot(tenantA, { name: 'a', allowedOrigins: ['https://a.example'] });
    const botB = await tenancy.createBot(tenantB, { name: 'b', allowedOrigins: ['https://b.example'] });
    for (const name of ['a1', 'a2', 'a3']) conversations[name] = (await chat.openConversation(tenantA, { botId: botA.id, visitorId: randomUUID(), locale: 'en' })).conversation.id;
    conversations.b1 = (await chat.openConversation(tenantB, { botId: botB.id, visitorId: randomUUID(), locale: 'en' })).conversation.id;
  });
  afterAll(async () => {
    await t.drop();
  });

  const read = async (tenantId: string, name: string) => {
    const row = await t.db.tenant(tenantId, (trx) => trx('conversations').where({ tenant_id: tenantId, id: conversations[name] }).first('visitor_seen_at', 'visitor_online_until', 'updated_at'));
    return { seen: row.visitor_seen_at?.toISOString() ?? null, until: row.visitor_online_until?.toISOString() ?? null, updated: row.updated_at.toISOString() };
  };
  const at = (seconds: string) => new Date(Date.UTC(2026, 11, 6, 10, 0, 0) + Number(seconds) * 1_000);

  it('writes each conversation’s own mark, keeps an online mark a history read does not give, and never an older one', async () => {
    const before = await read(tenantA, 'a1');
    await marks.markSeen(tenantA, [
      { conversationId: conversations.a1!, seenAt: at('01'), onlineUntil: at('61') },
      { conversationId: conversations.a2!, seenAt: at('02'), onlineUntil: at('02') },
    ]);
    expect(await read(tenantA, 'a1')).toEqual({ seen: at('01').toISOString(), until: at('61').toISOString(), updated: before.updated });
    expect(await read(tenantA, 'a2')).toMatchObject({ seen: at('02').toISOString(), until: at('02').toISOString() });
    expect(await read(tenantA, 'a3')).toMatchObject({ seen: null, until: null });

    await marks.markSeen(tenantA, [
      // A history read: seen later, online as it was.
      { conversationId: conversations.a1!, seenAt: at('05') },
      // Out of order (an older mark landing late): ignored.
      { conversationId: conversations.a2!, seenAt: at('00'), onlineUntil: at('59') },
    ]);
    expect(await read(tenantA, 'a1')).toMatchObject({ seen: at('05').toISOString(), until: at('61').toISOString() });
    expect(await read(tenantA, 'a2')).toMatchObject({ seen: at('02').toISOString(), until: at('02').toISOString() });
  });

  it('touches only the tenant it runs for, whatever ids it is given', async () => {
    await marks.markSeen(tenantA, [{ conversationId: conversations.b1!, seenAt: at('09'), onlineUntil: at('09') }]);
    expect(await read(tenantB, 'b1')).toMatchObject({ seen: null, until: null });
  });
});
