import { DomainError } from '../kernel/domain-error.ts';

/** A limit was reached (sign-in back-off, widget sessions, messages, a route's limit); every module may meet it. */
export type RateLimitErrorCode = 'RATE_LIMITED';

export class RateLimitedError extends DomainError<RateLimitErrorCode> {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
  }
}
