import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface InstanceProcess {
  url: string;
  child: ChildProcess;
  /** Starts the instance's reminder worker (one started with `worker.enabled: false`). */
  startWorker(): Promise<void>;
  /** SIGKILL: no shutdown, no goodbye — a crashed instance. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts tests/helpers/instance-process.ts and waits for `ready <url>`. */
export async function startInstance(spec: { env: Record<string, string>; clockOffsetMs?: number; worker?: Record<string, unknown> }): Promise<InstanceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/helpers/instance-process.ts'), JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('instance did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited with ${code} before it was ready`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    startWorker() {
      return new Promise<void>((resolve) => {
        const onMessage = (message: { type?: string }) => {
          if (message?.type !== 'worker:started') return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        child.send({ type: 'worker:start' });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface LoadBalancer {
  url: string;
  /** Connections handed to each backend so far. */
  readonly counts: number[];
  close(): Promise<void>;
}

/**
 * A round-robin TCP load balancer on loopback: each new connection goes to the next backend that
 * accepts it (a dead one is skipped), as a cloud balancer without stickiness would do.
 */
export async function startLoadBalancer(backends: string[]): Promise<LoadBalancer> {
  const targets = backends.map((b) => new URL(b));
  const counts = targets.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pause();
    const attempt = (tries: number) => {
      if (tries >= targets.length) return client.destroy();
      const index = next++ % targets.length;
      const target = targets[index]!;
      const upstream = net.connect(Number(target.port), target.hostname);
      const failed = () => attempt(tries + 1);
      upstream.once('error', failed);
      upstream.once('connect', () => {
        upstream.removeListener('error', failed);
        counts[index]!++;
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
