import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Debian's PgBouncer in transaction mode in front of the test PostgreSQL (design.md §11): what a
 * production deployment puts between many instances and the database. Installed by .ci/run
 * (`apt-get install pgbouncer`); a machine without it fails here with that instruction, never skips.
 */
export interface PgBouncer {
  port: number;
  /** `url` with host and port swapped for PgBouncer's: the same database, user and password. */
  through(url: string): string;
  /** PgBouncer's own log (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPgBouncer(targetUrl: string, options: { poolSize?: number } = {}): Promise<PgBouncer> {
  const target = new URL(targetUrl);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-pgbouncer-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const user = decodeURIComponent(target.username || 'postgres');
  // trust: the test server trusts loopback; the user must still be listed in auth_file.
  await writeFile(path.join(dir, 'users.txt'), `"${user}" "${decodeURIComponent(target.password)}"\n`);
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      `auth_type = ${target.password ? 'plain' : 'trust'}`,
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 20}`,
      'max_client_conn = 1000',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  for (const f of ['users.txt', 'pgbouncer.ini']) await chmod(path.join(dir, f), 0o644);
  const asRoot = process.getuid?.() === 0;
  // As root it runs as the postgres user, who must be able to write its log and pid file here.
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString().trim()));
    await chown(dir, uid!, gid!);
  }

  let exe: string | undefined;
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) {
      exe = candidate;
      break;
    }
  }
  if (!exe) throw new Error('PgBouncer is not installed: `apt-get install pgbouncer` (.ci/run does it)');
  // PgBouncer refuses to run as root: as root, run it as the postgres user.
  const argv = asRoot ? ['runuser', '-u', 'postgres', '--', exe, path.join(dir, 'pgbouncer.ini')] : [exe, path.join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PgBouncer exited (${child.exitCode}): ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`PgBouncer did not listen on ${port} within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    port,
    through(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    log: () => readFile(path.join(dir, 'pgbouncer.log'), 'utf8').catch(() => stderr),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
