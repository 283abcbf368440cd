/**
 * The broker's message records. A message is stored once per receiving entity (a topic's message
 * once per subscription), as a Cosmos document partitioned by that entity's path.
 */

export type ApplicationProperties = Record<string, string | number | boolean>;

/** A message as a sender hands it over (validated; see validate.ts). */
export interface OutgoingMessage {
  messageId: string;
  /**
   * The body as the text Service Bus would carry. Senders through the admin API give JSON, which
   * is stored as its JSON text (what @azure/service-bus does with a non-Buffer body); outputs of
   * functions keep a string as it is, as the Functions extension does.
   */
  bodyText: string;
  contentType?: string;
  correlationId?: string;
  subject?: string;
  applicationProperties: ApplicationProperties;
  /** Epoch ms; absent = now. */
  scheduledEnqueueTime?: number;
  /** Per-message TTL in ms; the entity default caps it, as in Service Bus. */
  timeToLiveMs?: number;
}

/** The persisted document. Times are ISO-8601 UTC strings, which compare correctly as strings. */
export interface StoredMessage {
  /** String(sequenceNumber): unique within the entity, which is the partition. */
  id: string;
  entity: string;
  sequenceNumber: number;
  messageId: string;
  bodyText: string;
  contentType?: string;
  correlationId?: string;
  subject?: string;
  applicationProperties: ApplicationProperties;
  /** When the message became (or becomes, if scheduled) available; Service Bus reports it as EnqueuedTimeUtc. */
  enqueuedTimeUtc: string;
  scheduledEnqueueTimeUtc?: string;
  expiresAtUtc: string;
  /** Number of times it was handed to a receiver (persisted before each delivery). */
  deliveryCount: number;
  state: 'active' | 'deadLettered';
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deadLetteredAtUtc?: string;
}

/** The JSON body for API answers: the stored text parsed back when it is JSON, else the text. */
export function bodyValue(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    return bodyText;
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
