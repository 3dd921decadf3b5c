/**
 * Database roles (design.md §4). Migrations run as the owner; the app's units of work
 * switch to one of these NOLOGIN roles for the length of their transaction, so row-level
 * security always applies, even when the login user owns the tables or is a superuser.
 */
export const APP_ROLE = 'concierge_app';
/** Cross-tenant work (e.g. claiming due jobs, login by email): only the policies written for it. */
export const SYSTEM_ROLE = 'concierge_system';

/** The expression every tenant policy compares with; NULL (never a match) when no tenant is set. */
export const CURRENT_TENANT_SQL = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";
