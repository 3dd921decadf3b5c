/**
 * The loop behind group commit (core/db/write-groups.ts, core/security/rate-limit.ts,
 * core/chat/usage-tally.ts): what arrives while a message is on its way to the database waits, and
 * goes with the others in the next message; on an idle path a write still goes at once (one
 * event-loop turn later). The caller keeps its queue: `take` hands over the next group (undefined
 * when nothing waits), `send` writes it and settles its callers, never throwing.
 */
export class GroupCommit<Group> {
  private sending = false;

  constructor(
    private readonly take: () => Group | undefined,
    private readonly send: (group: Group) => Promise<void>,
  ) {}

  /** Something was queued: sends it with the next group, starting the loop unless it runs. */
  wake(): void {
    if (this.sending) return;
    this.sending = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      for (let group = this.take(); group !== undefined; group = this.take()) await this.send(group);
    } finally {
      this.sending = false;
    }
  }
}
