// A V8 CPU profile of this process over one phase of a bench (the server children answer
// `profile:start` / `profile:stop` over IPC with it), so setup and module loading stay out of it.
// Summarise the file with bench/profile-summary.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector';
import path from 'node:path';

export class PhaseProfiler {
  private readonly session = new inspector.Session();

  private post(method: string): Promise<any> {
    return new Promise((resolve, reject) => this.session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  /** Stops and writes `<dir>/<name>-<time>.cpuprofile`; returns its path. */
  async stop(dir: string, name: string): Promise<string> {
    const { profile } = await this.post('Profiler.stop');
    this.session.disconnect();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    return file;
  }
}
