import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { MailPort } from '../mail/mail.port.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { accountErrors } from './accounts.errors.ts';
import { accountsStrings } from './i18n/strings.ts';
import { hashToken, isGlobalToken, newGlobalToken } from './opaque-tokens.ts';

/**
 * The owner's way back when sign-ins to the account are throttled (issue 14). Failures from
 * addresses the account never signed in from share one count; once it holds sign-ins back, the
 * account's address gets a mail with a one-time link (hashed at rest, 30 minutes). Opening it
 * marks the browser that opens it as known for the account, so that browser has a count of its
 * own again. An attacker can only make the owner receive such mails (at most 3 an hour); the link
 * helps only whoever reads the owner's mail.
 */
export const LOGIN_UNLOCK_TTL_SECONDS = 30 * 60;
export const LOGIN_UNLOCK_MAX_PER_HOUR = 3;
/** Where the mailed link points (the device cookie's path is /api/v1/auth). */
export const LOGIN_UNLOCK_PATH = '/api/v1/auth/login/unlock';

export interface LoginUnlockDeps {
  db: Database;
  accounts: AccountsRepository;
  mail: MailPort;
  logger: Logger;
  publicUrl: string;
  now: () => Date;
}

export class LoginUnlocks {
  constructor(private readonly deps: LoginUnlockDeps) {}

  /** Mails an unlock link to the account of `email`, if it exists and the hourly limit allows. */
  async offer(email: string): Promise<void> {
    const now = this.deps.now();
    const plan = await this.deps.db.system(async (trx) => {
      const user = await this.deps.accounts.userByEmail(trx, email);
      if (!user) return undefined;
      // One offer per user at a time, across instances: the count below stays exact.
      await this.deps.accounts.lockUser(trx, user.id);
      const [row] = await trx('login_unlock_tokens')
        .where({ user_id: user.id })
        .where('created_at', '>', new Date(now.getTime() - 3600_000))
        .count<{ count: string }[]>('* as count');
      if (Number(row?.count ?? 0) >= LOGIN_UNLOCK_MAX_PER_HOUR) return undefined;
      const token = newGlobalToken('clu');
      await trx('login_unlock_tokens').insert({
        user_id: user.id,
        token_hash: hashToken(token),
        created_at: now,
        expires_at: new Date(now.getTime() + LOGIN_UNLOCK_TTL_SECONDS * 1000),
      });
      return { user, token };
    });
    if (!plan) return;
    const strings = accountsStrings(plan.user.locale).loginUnlock;
    const link = `${this.deps.publicUrl}${LOGIN_UNLOCK_PATH}?token=${plan.token}`;
    await this.deps.mail.send({ to: plan.user.email, subject: strings.subject, text: strings.text({ link, validMinutes: LOGIN_UNLOCK_TTL_SECONDS / 60 }) });
    this.deps.logger.info({ userId: plan.user.id }, 'login unlock mail sent');
  }

  /** Spends the token (once, unexpired) and every other open one of its user; returns the user's email. */
  async redeem(token: string): Promise<string> {
    const invalid = () => accountErrors.invalidToken('unlock');
    if (!isGlobalToken('clu', token)) throw invalid();
    const now = this.deps.now();
    const email = await this.deps.db.system(async (trx) => {
      const [row] = await trx('login_unlock_tokens')
        .where({ token_hash: hashToken(token) })
        .whereNull('used_at')
        .where('expires_at', '>', now)
        .update({ used_at: now })
        .returning('user_id');
      if (!row) return undefined;
      await trx('login_unlock_tokens').where({ user_id: row.user_id }).whereNull('used_at').update({ used_at: now });
      return (await this.deps.accounts.userById(trx, row.user_id))?.email;
    });
    if (!email) throw invalid();
    return email;
  }
}
