/** Writes started behind an answer and not waited for, kept so that shutdown can wait for them. */
export class BackgroundWrites {
  private readonly pending = new Set<Promise<void>>();

  /** Keeps `write` until it ends; a write that fails is only skipped, never a rejection. */
  track(write: Promise<unknown>): void {
    const kept: Promise<void> = write.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(kept);
    void kept.finally(() => this.pending.delete(kept));
  }

  /** Resolves once every write tracked so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
}
