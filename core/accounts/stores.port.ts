import type { Knex } from 'knex';
import type { ReadQuery, Tx } from '../db/database.ts';

/**
 * What accounts needs of the stores it signs people up to (tenancy implements it; the composition
 * root passes TenancyRepository). A port, so accounts — which every module's routes depend on for
 * authentication — never depends on tenancy in turn.
 */
export interface StoreRecord {
  id: string;
  name: string;
  time_zone: string;
  locale: string;
}

export interface StoreDirectory {
  insertTenant(trx: Tx, input: { id: string; name: string; timeZone?: string; locale?: string }): Promise<StoreRecord>;
  deleteTenantIn(trx: Tx, tenantId: string): Promise<boolean>;
  tenantIn(trx: Tx, tenantId: string): Promise<StoreRecord | undefined>;
  /** The same read as a query not yet run, for `Database.tenantBatch` (one round trip). */
  tenantQuery(knex: Knex, tenantId: string): ReadQuery<StoreRecord | undefined>;
  getTenant(tenantId: string): Promise<StoreRecord | undefined>;
}
