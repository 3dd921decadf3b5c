// The application under test in a process of its own (so the load generator's CPU is not counted as
// the server's), spoken to over IPC. The child sends `{ type: 'ready', ... }` once it serves, and
// answers each `{ type, ...extra }` with a message of that type (or of the type asked for);
// `{ type: 'error', message }` fails whatever is waiting, and so does the child exiting early.
// The child runs compiled, as production runs the server (bench/compiled.ts): `file` names its source.
import { fork, type ChildProcess } from 'node:child_process';
import { CHILD_LOADER, compiledChild } from './compiled.ts';

export interface BenchChild<Ready> {
  ready: Ready;
  process: ChildProcess;
  /** Sends `{ type, ...extra }` and resolves with the child's next message of type `answer` (default: `type`). */
  ask<T = Record<string, unknown>>(type: string, extra?: Record<string, unknown>, answer?: string): Promise<T>;
}

export async function forkBenchChild<Ready>(file: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<BenchChild<Ready>> {
  const child = fork(compiledChild(file), [], {
    execArgv: [...CHILD_LOADER, ...(options.execArgv ?? [])],
    ...(options.env ? { env: options.env } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, { resolve: (m: any) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  child.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') return failAll(new Error(m.message));
    const entry = waiting.get(m.type);
    waiting.delete(m.type);
    entry?.resolve(m);
  });
  let exited = false;
  child.on('exit', (code) => {
    exited = true;
    failAll(new Error(`${file} exited with ${code}`));
  });
  const wait = <T>(answer: string) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${file} has exited`));
      waiting.set(answer, { resolve, reject });
    });
  const ready = await wait<Ready>('ready');
  return {
    ready,
    process: child,
    ask: <T>(type: string, extra: Record<string, unknown> = {}, answer = type) => {
      const answered = wait<T>(answer);
      child.send({ type, ...extra });
      return answered;
    },
  };
}
