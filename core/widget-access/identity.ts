import type { Logger } from 'pino';
import type { SecretBox } from '../security/secret-box.ts';
import { verifyIdentity } from '../tenancy/index.ts';
import type { BotEntry } from './bot-directory.ts';
import type { VisitorClaims } from './visitor-tokens.ts';

/**
 * Identity verification of a signed-in shopper (design.md §10): the store signs `customerId` and
 * `email` with the bot's identity secret; a signature that does not verify leaves the visitor
 * anonymous — it is never an error.
 */
export class IdentityVerifier {
  constructor(
    /** Opens `bots.identity_secret_encrypted` (SecretBox purpose BOT_IDENTITY_PURPOSE). */
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
  ) {}

  verify(entry: BotEntry, identity: { customerId: string; email?: string | undefined; signature: string } | undefined): VisitorClaims['verified'] {
    if (!identity || !entry.bot.identity_secret_encrypted) return undefined;
    try {
      const secret = this.secrets.open(entry.bot.identity_secret_encrypted);
      const email = identity.email?.trim().toLowerCase();
      if (!verifyIdentity(secret, { customerId: identity.customerId, email: email ?? '', signature: identity.signature })) return undefined;
      return { customerId: identity.customerId, ...(email ? { email } : {}) };
    } catch (error) {
      this.logger.warn({ err: error, botId: entry.bot.id }, 'bot identity secret cannot be opened');
      return undefined;
    }
  }
}
