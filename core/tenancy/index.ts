/** The tenancy module's public surface: stores (tenants), their bots, identity secrets, business hours. */
export { BOT_IDENTITY_PURPOSE, verifyIdentity } from './bot-identity.ts';
export { teamPresence, type TeamPresence } from './business-hours.ts';
export { TenancyRepository, type BotRow, type TenantRow } from './tenancy.repository.ts';
