import { randomUUID } from 'node:crypto';
import type { Namespace, ReceivingEntity, SendingEntity } from './entities.js';
import { iso, type OutgoingMessage, type StoredMessage } from './message.js';
import { forEachLimited, Serial } from './serial.js';
import type { DeliverySettings } from './settings.js';
import { type BrokerStore, duplicateRecordId, type PendingMessage, type SenderDoc } from './store.js';

/**
 * The broker's state machine: send (duplicate detection, sequence numbers, topic fan-out,
 * scheduling), peek-lock receive, complete, abandon, dead-letter, expiry, and the reads behind
 * the admin API. Every change is written to Cosmos before it is visible or acknowledged; the
 * in-memory copy (loaded at start) answers reads, since this process is the only writer.
 *
 * Crash safety of a send: the write that accepts it is ONE document (the sender's), carrying the
 * new sequence counter and the whole batch. Only then are the per-entity message documents and
 * duplicate records written (upserts, so a replay after a crash writes the same documents), the
 * batch is cleared, and the messages become deliverable. A crash at any point either loses an
 * unacknowledged send or replays an acknowledged one that no receiver can have seen yet.
 */

/** Service Bus' own texts for the two system dead-letter reasons. */
export const DEAD_LETTER = {
  maxDelivery: { reason: 'MaxDeliveryCountExceeded', description: (max: number) => `Message could not be consumed after ${max} delivery attempts.` },
  expired: { reason: 'TTLExpiredException', description: () => 'The message expired and was dead lettered.' },
} as const;

const WRITE_PARALLELISM = 8;
/** Forgetting ids past the duplicate window is bookkeeping, not behaviour: once a minute is enough. */
const PURGE_INTERVAL_MS = 60_000;

export interface EntityStats {
  /** Available for delivery now (Service Bus' active count also includes the locked ones). */
  active: number;
  scheduled: number;
  locked: number;
  deadLettered: number;
}

export interface SendResult {
  accepted: number;
  duplicates: number;
}

/** A message handed to a receiver under a peek-lock. */
export interface Received {
  entity: string;
  lockToken: string;
  /** The message as delivered, deliveryCount already incremented. */
  message: StoredMessage;
}

interface Entry {
  doc: StoredMessage;
  availableAt: number;
  expiresAt: number;
  lock?: { token: string; until: number };
  /** A write for this message is in flight; nobody else may touch it meanwhile. */
  writing: boolean;
}

interface SenderState {
  entity: SendingEntity;
  nextSequenceNumber: number;
  pending: SenderDoc['pendingSend'];
  /** messageId → when it was accepted (epoch ms). */
  accepted: Map<string, number>;
  serial: Serial;
}

export class SendRefusedError extends Error {
  constructor(
    readonly status: 503,
    message: string,
  ) {
    super(message);
    this.name = 'SendRefusedError';
  }
}

export interface BrokerOptions {
  store: BrokerStore;
  namespace: Namespace;
  delivery: DeliverySettings;
  /** How long a receiver's lock lasts (the host renews it while the function runs). */
  lockHoldMs: number;
  log: (line: string) => void;
  /** Told whenever messages may have become available in an entity. */
  onAvailable: (entityPath: string) => void;
  now?: () => number;
}

export class Broker {
  /** Test hooks, set through the admin API: see README.md (fault injection). */
  readonly faults = { failSends: false, hang: false };
  private readonly entities = new Map<string, Map<number, Entry>>();
  private readonly senders = new Map<string, SenderState>();
  private closed = false;
  private lastPurge = 0;
  private readonly now: () => number;

  private constructor(private readonly options: BrokerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads every entity's messages and finishes any send a crash interrupted. */
  static async load(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    const { store, namespace, delivery } = options;
    for (const entity of namespace.receiving) {
      const messages = new Map<number, Entry>();
      for (const doc of await store.loadMessages(entity.path)) messages.set(doc.sequenceNumber, newEntry(doc));
      broker.entities.set(entity.path, messages);
    }
    const now = broker.now();
    for (const entity of namespace.sending) {
      const doc = (await store.readSender(entity.name)) ?? { id: entity.name, nextSequenceNumber: 1, pendingSend: null };
      const accepted = new Map<string, number>();
      for (const record of await store.loadDuplicateRecords(entity.name)) {
        const at = Date.parse(record.acceptedAtUtc);
        if (now - at < delivery.duplicateDetectionWindowMs) accepted.set(record.messageId, at);
      }
      for (const message of doc.pendingSend?.messages ?? []) accepted.set(message.messageId, Date.parse(doc.pendingSend?.acceptedAtUtc ?? iso(now)));
      const sender: SenderState = {
        entity,
        nextSequenceNumber: Math.max(doc.nextSequenceNumber, broker.highestSequenceNumber(entity.targets) + 1),
        pending: doc.pendingSend,
        accepted,
        serial: new Serial(),
      };
      broker.senders.set(entity.name, sender);
      if (sender.pending) {
        options.log(`[service-bus] Completing an interrupted send of ${sender.pending.messages.length} message(s) to '${entity.name}'.`);
        await broker.applyPending(sender);
      }
    }
    return broker;
  }

  // ---- sending ---------------------------------------------------------------------------------

  async send(entity: SendingEntity, messages: OutgoingMessage[]): Promise<SendResult> {
    this.refuseSendsIfNeeded();
    const sender = this.sender(entity);
    return sender.serial.run(async () => {
      this.refuseSendsIfNeeded(); // the fault may have been switched on while this send waited
      const now = this.now();
      const fresh: OutgoingMessage[] = [];
      const inBatch = new Set<string>();
      for (const message of messages) {
        if (inBatch.has(message.messageId) || this.isDuplicate(sender, message.messageId, now)) continue;
        inBatch.add(message.messageId);
        fresh.push(message);
      }
      const result = { accepted: fresh.length, duplicates: messages.length - fresh.length };
      if (fresh.length === 0) return result;

      const pendingSend = {
        acceptedAtUtc: iso(now),
        messages: fresh.map((message, index) => this.toPending(message, sender.nextSequenceNumber + index, now)),
      };
      const doc: SenderDoc = { id: entity.name, nextSequenceNumber: sender.nextSequenceNumber + fresh.length, pendingSend };
      await this.options.store.writeSender(doc); // the acceptance: durable from here on
      sender.nextSequenceNumber = doc.nextSequenceNumber;
      sender.pending = pendingSend;
      for (const message of fresh) sender.accepted.set(message.messageId, now);
      try {
        await this.applyPending(sender);
      } catch (error) {
        // Accepted and durable: the housekeeping tick (or the next start) finishes it.
        this.options.log(`[service-bus] Storing an accepted send to '${entity.name}' failed; will retry: ${(error as Error).message}`);
      }
      return result;
    });
  }

  private refuseSendsIfNeeded(): void {
    if (this.closed) throw new SendRefusedError(503, 'The local Service Bus is shutting down.');
    if (this.faults.failSends) throw new SendRefusedError(503, 'Sends are failing on purpose (fault injection: failSends).');
  }

  private isDuplicate(sender: SenderState, messageId: string, now: number): boolean {
    const acceptedAt = sender.accepted.get(messageId);
    return acceptedAt !== undefined && now - acceptedAt < this.options.delivery.duplicateDetectionWindowMs;
  }

  private toPending(message: OutgoingMessage, sequenceNumber: number, now: number): PendingMessage {
    // A scheduled message is enqueued at its time; its time to live counts from then.
    const enqueuedAt = Math.max(now, message.scheduledEnqueueTime ?? now);
    const ttl = Math.min(message.timeToLiveMs ?? Number.POSITIVE_INFINITY, this.options.delivery.defaultMessageTimeToLiveMs);
    const pending: PendingMessage = {
      sequenceNumber,
      messageId: message.messageId,
      bodyText: message.bodyText,
      applicationProperties: message.applicationProperties,
      enqueuedTimeUtc: iso(enqueuedAt),
      expiresAtUtc: iso(enqueuedAt + ttl),
      deliveryCount: 0,
      state: 'active',
    };
    if (message.contentType !== undefined) pending.contentType = message.contentType;
    if (message.correlationId !== undefined) pending.correlationId = message.correlationId;
    if (message.subject !== undefined) pending.subject = message.subject;
    if (message.scheduledEnqueueTime !== undefined) pending.scheduledEnqueueTimeUtc = iso(message.scheduledEnqueueTime);
    return pending;
  }

  /** Copies the accepted batch to each receiving entity, records the ids, then makes it deliverable. */
  private async applyPending(sender: SenderState): Promise<void> {
    const pending = sender.pending;
    if (!pending) return;
    const { store } = this.options;
    // Each subscription gets the messages its filter accepts (a queue: all of them).
    const docs = pending.messages.flatMap((message) =>
      sender.entity.targets
        .filter((target) => target.accepts(message.applicationProperties))
        .map((target): StoredMessage => ({ ...message, id: String(message.sequenceNumber), entity: target.path })),
    );
    const writes: Array<() => Promise<void>> = [
      ...docs.map((doc) => () => store.putMessage(doc)),
      ...pending.messages.map(
        (message) => () =>
          store.putDuplicateRecord({
            id: duplicateRecordId(message.messageId),
            entity: sender.entity.name,
            messageId: message.messageId,
            acceptedAtUtc: pending.acceptedAtUtc,
          }),
      ),
    ];
    await forEachLimited(writes, WRITE_PARALLELISM, (write) => write());
    await store.writeSender({ id: sender.entity.name, nextSequenceNumber: sender.nextSequenceNumber, pendingSend: null });
    sender.pending = null;
    for (const doc of docs) this.messagesOf(doc.entity).set(doc.sequenceNumber, newEntry(doc));
    for (const target of sender.entity.targets) this.options.onAvailable(target.path);
  }

  // ---- receiving -------------------------------------------------------------------------------

  /**
   * Peek-lock: the first available message, its delivery count incremented and persisted before
   * it is handed out (as Service Bus counts a delivery when it hands the message out). Expired
   * messages and messages out of deliveries are dead-lettered on the way, as the service does
   * lazily when it meets them.
   */
  async receive(entityPath: string): Promise<Received | undefined> {
    if (this.closed) return undefined;
    const now = this.now();
    const { maxDeliveryCount } = this.options.delivery;
    for (const entry of this.messagesOf(entityPath).values()) {
      if (!this.isAvailable(entry, now)) continue;
      if (entry.expiresAt <= now) {
        void this.expire(entityPath, entry);
        continue;
      }
      if (entry.doc.deliveryCount >= maxDeliveryCount) {
        // Its last delivery's lock expired (e.g. the process died mid-invocation): no delivery left.
        void this.deadLetter(entityPath, entry, DEAD_LETTER.maxDelivery.reason, DEAD_LETTER.maxDelivery.description(maxDeliveryCount));
        continue;
      }
      const lockToken = randomUUID();
      entry.lock = { token: lockToken, until: now + this.options.lockHoldMs };
      const delivered: StoredMessage = { ...entry.doc, deliveryCount: entry.doc.deliveryCount + 1 };
      entry.writing = true;
      try {
        await this.options.store.putMessage(delivered);
        entry.doc = delivered;
      } catch (error) {
        entry.lock = undefined;
        throw error;
      } finally {
        entry.writing = false;
      }
      return { entity: entityPath, lockToken, message: delivered };
    }
    return undefined;
  }

  /** Removes the message. Resolves false if the lock was lost meanwhile (Service Bus: MessageLockLost). */
  async complete(received: Received): Promise<boolean> {
    const entry = this.lockedEntry(received);
    if (!entry) return false;
    entry.writing = true;
    try {
      await this.options.store.deleteMessage(received.entity, entry.doc.id);
      this.messagesOf(received.entity).delete(entry.doc.sequenceNumber);
      return true;
    } catch (error) {
      // Not completed: like a failed Complete, the message comes back once the lock is gone.
      entry.lock = undefined;
      throw error;
    } finally {
      entry.writing = false;
      this.options.onAvailable(received.entity);
    }
  }

  /** Unlocks for immediate redelivery, or dead-letters when no delivery is left. */
  async abandon(received: Received): Promise<boolean> {
    const entry = this.lockedEntry(received);
    if (!entry) return false;
    const { maxDeliveryCount } = this.options.delivery;
    if (entry.doc.deliveryCount >= maxDeliveryCount) {
      await this.deadLetter(received.entity, entry, DEAD_LETTER.maxDelivery.reason, DEAD_LETTER.maxDelivery.description(maxDeliveryCount));
    } else {
      entry.lock = undefined;
    }
    this.options.onAvailable(received.entity);
    return true;
  }

  private lockedEntry(received: Received): Entry | undefined {
    const entry = this.messagesOf(received.entity).get(received.message.sequenceNumber);
    if (!entry || entry.lock?.token !== received.lockToken || entry.lock.until <= this.now()) {
      this.options.log(
        `[service-bus] Lock lost for message ${received.message.messageId} (sequence ${received.message.sequenceNumber}) on '${received.entity}': it was held longer than the lock lasts and may be delivered again.`,
      );
      return undefined;
    }
    return entry;
  }

  private isAvailable(entry: Entry, now: number): boolean {
    if (entry.writing || entry.doc.state !== 'active' || entry.availableAt > now) return false;
    if (entry.lock && entry.lock.until > now) return false;
    entry.lock = undefined; // an expired lock frees the message
    return true;
  }

  private async deadLetter(entityPath: string, entry: Entry, reason: string, description: string): Promise<void> {
    entry.writing = true;
    const doc: StoredMessage = {
      ...entry.doc,
      // Service Bus records the reason as application properties of the dead-lettered message
      // (the SDKs read deadLetterReason from there, and keep them when a message is resent).
      applicationProperties: { ...entry.doc.applicationProperties, DeadLetterReason: reason, DeadLetterErrorDescription: description },
      state: 'deadLettered',
      deadLetterReason: reason,
      deadLetterErrorDescription: description,
      deadLetteredAtUtc: iso(this.now()),
    };
    try {
      await this.options.store.putMessage(doc);
      entry.doc = doc;
      this.options.log(`[service-bus] Dead-lettered message ${doc.messageId} (sequence ${doc.sequenceNumber}) on '${entityPath}': ${reason}.`);
    } catch (error) {
      this.options.log(`[service-bus] Dead-lettering message ${doc.messageId} on '${entityPath}' failed; will retry: ${(error as Error).message}`);
    } finally {
      entry.lock = undefined;
      entry.writing = false;
    }
  }

  private async expire(entityPath: string, entry: Entry): Promise<void> {
    const entity = this.options.namespace.findReceiving(entityPath);
    if (this.options.delivery.deadLetteringOnMessageExpiration && entity?.deadLetteringOnMessageExpiration !== false) {
      await this.deadLetter(entityPath, entry, DEAD_LETTER.expired.reason, DEAD_LETTER.expired.description());
      return;
    }
    entry.writing = true;
    try {
      await this.options.store.deleteMessage(entityPath, entry.doc.id);
      this.messagesOf(entityPath).delete(entry.doc.sequenceNumber);
    } catch (error) {
      this.options.log(`[service-bus] Removing expired message ${entry.doc.messageId} failed; will retry: ${(error as Error).message}`);
    } finally {
      entry.writing = false;
    }
  }

  // ---- housekeeping ----------------------------------------------------------------------------

  /**
   * Periodic work: expire messages nobody receives (Service Bus does it in the background too),
   * finish accepted sends whose storage failed, forget ids older than the duplicate window.
   */
  async housekeep(): Promise<void> {
    if (this.closed) return;
    const now = this.now();
    const work: Promise<void>[] = [];
    for (const [path, messages] of this.entities) {
      let woke = false;
      for (const entry of messages.values()) {
        if (!this.isAvailable(entry, now)) continue;
        if (entry.expiresAt <= now) work.push(this.expire(path, entry));
        else woke = true;
      }
      if (woke) this.options.onAvailable(path); // scheduled messages that came due, expired locks
    }
    const purge = now - this.lastPurge >= PURGE_INTERVAL_MS;
    if (purge) this.lastPurge = now;
    for (const sender of this.senders.values()) {
      if (sender.pending && !sender.serial.busy) {
        work.push(
          sender.serial.run(() => this.applyPending(sender)).catch((error: unknown) => {
            this.options.log(`[service-bus] Storing an accepted send to '${sender.entity.name}' failed again: ${(error as Error).message}`);
          }),
        );
      }
      for (const [messageId, acceptedAt] of purge ? sender.accepted : []) {
        if (now - acceptedAt < this.options.delivery.duplicateDetectionWindowMs || sender.pending) continue;
        sender.accepted.delete(messageId);
        work.push(this.options.store.deleteDuplicateRecord(sender.entity.name, duplicateRecordId(messageId)).catch(() => undefined));
      }
    }
    await Promise.all(work);
  }

  // ---- reads for the admin API and idle() ------------------------------------------------------

  stats(entityPath: string): EntityStats {
    const now = this.now();
    const stats: EntityStats = { active: 0, scheduled: 0, locked: 0, deadLettered: 0 };
    for (const entry of this.messagesOf(entityPath).values()) {
      if (entry.doc.state === 'deadLettered') stats.deadLettered += 1;
      else if (entry.lock && entry.lock.until > now) stats.locked += 1;
      else if (entry.availableAt > now) stats.scheduled += 1;
      else stats.active += 1;
    }
    return stats;
  }

  deadLetters(entityPath: string, fromSequenceNumber: number, max: number): StoredMessage[] {
    const found: StoredMessage[] = [];
    for (const entry of this.messagesOf(entityPath).values()) {
      if (found.length >= max) break;
      if (entry.doc.state === 'deadLettered' && entry.doc.sequenceNumber >= fromSequenceNumber) found.push(entry.doc);
    }
    return found;
  }

  /** Like receive + complete on the dead-letter queue. Resolves false when there is no such message. */
  async deleteDeadLetter(entityPath: string, sequenceNumber: number): Promise<boolean> {
    const messages = this.messagesOf(entityPath);
    const entry = messages.get(sequenceNumber);
    if (!entry || entry.doc.state !== 'deadLettered' || entry.writing) return false;
    entry.writing = true;
    try {
      await this.options.store.deleteMessage(entityPath, entry.doc.id);
      messages.delete(sequenceNumber);
      return true;
    } finally {
      entry.writing = false;
    }
  }

  /** True while a send is being stored or a message in these entities is available, locked or being written. */
  hasWork(entityPaths: Iterable<string>): boolean {
    for (const sender of this.senders.values()) if (sender.pending || sender.serial.busy) return true;
    const now = this.now();
    for (const path of entityPaths) {
      for (const entry of this.messagesOf(path).values()) {
        if (entry.writing) return true;
        if (entry.doc.state === 'active' && entry.availableAt <= now) return true;
      }
    }
    return false;
  }

  /** Stops sends and deliveries and waits for sends in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.senders.values()].map((sender) => sender.serial.run(async () => undefined)));
  }

  private sender(entity: SendingEntity): SenderState {
    const sender = this.senders.get(entity.name);
    if (!sender) throw new Error(`Unknown sending entity '${entity.name}'.`);
    return sender;
  }

  private messagesOf(entityPath: string): Map<number, Entry> {
    const messages = this.entities.get(entityPath);
    if (!messages) throw new Error(`Unknown entity '${entityPath}'.`);
    return messages;
  }

  private highestSequenceNumber(targets: ReceivingEntity[]): number {
    let highest = 0;
    for (const target of targets) for (const sequenceNumber of this.messagesOf(target.path).keys()) highest = Math.max(highest, sequenceNumber);
    return highest;
  }
}

function newEntry(doc: StoredMessage): Entry {
  return { doc, availableAt: Date.parse(doc.enqueuedTimeUtc), expiresAt: Date.parse(doc.expiresAtUtc), writing: false };
}
