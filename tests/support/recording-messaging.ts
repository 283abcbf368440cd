import type { DeadLetteredMessage, EntityCounts, Messaging, OutgoingMessage, SendOptions } from '../../shared/messaging/messaging.js';

/**
 * Messaging that keeps what is sent, for tests and the in-process benchmarks: it can fail or hang
 * on demand (Service Bus down, or a namespace that never answers) and hand each message to a
 * subscriber at once.
 */
export class RecordingMessaging implements Messaging {
  readonly sent: { entity: string; message: OutgoingMessage }[] = [];
  /** When set, every send throws this (Service Bus down). */
  failWith: Error | undefined;
  /**
   * When set, every send hangs (a namespace that never answers) until the caller's abort signal
   * fires, or for ever if it ignores signals ('ignoring-signals'). Aborted sends are counted.
   */
  hang: false | 'until-aborted' | 'ignoring-signals' = false;
  aborted = 0;
  /**
   * A subscriber that gets each sent message at once, after it is recorded (the world wires the
   * task counters to task-events, as if their subscription were delivered instantly); unset: none.
   */
  deliver: ((entity: string, message: OutgoingMessage) => Promise<void>) | undefined;

  async send(entity: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.hang === 'ignoring-signals') return new Promise<void>(() => {});
    if (this.hang === 'until-aborted') {
      const signal = options.abortSignal;
      return new Promise<void>((_, reject) =>
        signal?.addEventListener('abort', () => {
          this.aborted += 1;
          reject(signal.reason);
        }),
      );
    }
    for (const message of messages) this.sent.push({ entity, message });
    if (this.deliver) for (const message of messages) await this.deliver(entity, message);
  }

  sentTo(entity: string): OutgoingMessage[] {
    return this.sent.filter((record) => record.entity === entity).map((record) => record.message);
  }

  async peekDeadLetters(): Promise<DeadLetteredMessage[]> {
    return [];
  }

  async replayDeadLetters(): Promise<{ replayed: number; messageIds: string[] }> {
    return { replayed: 0, messageIds: [] };
  }

  async checkHealth(): Promise<void> {}

  async entityCounts(): Promise<EntityCounts[]> {
    return [];
  }

  async close(): Promise<void> {}
}
