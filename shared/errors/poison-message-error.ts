/**
 * A message that no retry can fix (undecodable, invalid, tampered). The consumer registration
 * logs it as poison; it still ends in the dead-letter queue (shared/consumers/register-consumer.ts).
 */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}
