import { DomainError, type DomainErrorDetails } from '../kernel/domain-error.ts';

/** Coded errors of the booking service; routes and chat tools map them to their own answers. */

export type BookingErrorCode =
  /** Unknown or archived service (for a shopper: a bad `serviceId`). */
  | 'SERVICE_NOT_FOUND'
  | 'RESOURCE_NOT_FOUND'
  | 'BOOKING_NOT_FOUND'
  /** The time is not a start this service offers (past, too soon, too far ahead, outside hours, off the grid). */
  | 'NOT_BOOKABLE'
  /** The time is offered in general but taken now; `alternatives` carries the nearest free slots. */
  | 'SLOT_TAKEN'
  /** The same Idempotency-Key came with a different request. */
  | 'IDEMPOTENCY_MISMATCH'
  /** The booking cannot change any more (cancelled, already started, not yet started for a no-show). */
  | 'NOT_CHANGEABLE'
  /** Input the schema could not catch (e.g. a service id that does not exist in a resource's list). */
  | 'INVALID';

export interface BookingErrorDetails extends DomainErrorDetails {
  field?: string;
  alternatives?: { start: Date; end: Date }[];
}

export class BookingError extends DomainError<BookingErrorCode, BookingErrorDetails> {}

export function isBookingError(error: unknown, code?: BookingErrorCode): error is BookingError {
  return error instanceof BookingError && (code === undefined || error.code === code);
}
