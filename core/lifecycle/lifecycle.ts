/**
 * Start-up and shutdown order in one place: modules register what must be closed, and
 * shutdown runs those hooks in reverse registration order (last started, first stopped).
 */
export class Lifecycle {
  private readonly hooks: { name: string; run: () => Promise<void> | void }[] = [];
  private readonly stoppingListeners: (() => void)[] = [];
  private stopping: Promise<void> | undefined;

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  onShutdown(name: string, run: () => Promise<void> | void): void {
    this.hooks.push({ name, run });
  }

  /**
   * Called once, synchronously, when shutdown begins, before any hook runs: for what must end at
   * once rather than in its turn (event streams: the HTTP server's close waits for them).
   */
  onStopping(listener: () => void): void {
    this.stoppingListeners.push(listener);
  }

  /** Runs every hook once, even if one fails; the errors are reported to `onError`. */
  shutdown(onError: (name: string, error: unknown) => void = () => {}): Promise<void> {
    this.stopping ??= (async () => {
      for (const listener of this.stoppingListeners) {
        try {
          listener();
        } catch (error) {
          onError('stopping', error);
        }
      }
      for (const hook of [...this.hooks].reverse()) {
        try {
          await hook.run();
        } catch (error) {
          onError(hook.name, error);
        }
      }
    })();
    return this.stopping;
  }
}
