/**
 * The accounts module's public surface (merchant accounts, sessions, roles, API keys, audit):
 * what other modules import. The composition root (core/bootstrap.ts) wires the internals.
 */
export { AccountsRepository } from './accounts.repository.ts';
export type { AuditAction, AuditRepository } from './audit.repository.ts';
export { authOf, type AuthContext, type Authenticator } from './auth-context.ts';
export { generatePassword, hashPassword } from './passwords.ts';
export { platformCaller, type VerifiedPlatformSession } from './platform-members.ts';
export type { PlatformCaller } from './authenticator.ts';
