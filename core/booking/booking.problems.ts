import { HttpProblem, problems } from '../http/problem.ts';
import { parseDateOrInstant, TimeInputError, toZonedIso } from './availability.ts';
import { BookingError } from './booking.errors.ts';
import { MAX_AVAILABILITY_SPAN_MS } from './booking.service.ts';

/**
 * Booking's errors as problem+json (design.md §10), shared by the merchant and the widget routes:
 * the one mapping of coded `BookingError`s, and the checks of a requested time window.
 */

const slotTaken = (alternatives: { start: Date; end: Date }[], zone: string) =>
  new HttpProblem(409, 'slot-taken', 'Slot taken', 'This time is taken. Pick one of the alternatives or another time.', {
    alternatives: alternatives.map((a) => ({ start: toZonedIso(a.start, zone), end: toZonedIso(a.end, zone) })),
  });

/** A booking error as the problem a client can act on; `notFoundAs422` for ids that came in a body. */
export function bookingProblem(error: unknown, options: { zone: string; bodyIds?: boolean } = { zone: 'UTC' }): unknown {
  if (error instanceof TimeInputError) return problems.validation([{ path: 'query', message: error.message }]);
  if (!(error instanceof BookingError)) return error;
  const field = error.details.field;
  switch (error.code) {
    case 'SERVICE_NOT_FOUND':
    case 'RESOURCE_NOT_FOUND':
      return options.bodyIds && field ? problems.validation([{ path: `body.${field}`, message: error.message }]) : problems.notFound(error.message);
    case 'BOOKING_NOT_FOUND':
      return problems.notFound(error.message);
    case 'NOT_BOOKABLE':
      return problems.validation([{ path: `body.${field ?? 'start'}`, message: error.message }], 'This time cannot be booked; see `errors`.');
    case 'SLOT_TAKEN':
      return slotTaken(error.details.alternatives ?? [], options.zone);
    case 'IDEMPOTENCY_MISMATCH':
      return new HttpProblem(422, 'idempotency-mismatch', 'Idempotency-Key reused with a different body', error.message);
    case 'NOT_CHANGEABLE':
      return new HttpProblem(409, 'not-changeable', 'Booking cannot change', error.message);
    case 'INVALID':
      return problems.validation(error.details.fields ?? [{ path: field ? `body.${field}` : 'body', message: error.message }]);
  }
}

export function readWindow(from: string, to: string, zone: string): { from: Date; to: Date } {
  try {
    return { from: parseDateOrInstant(from, zone, 'start'), to: parseDateOrInstant(to, zone, 'end') };
  } catch (error) {
    if (error instanceof TimeInputError) throw problems.validation([{ path: `query.${error.value === from ? 'from' : 'to'}`, message: error.message }]);
    throw error;
  }
}

export function checkSpan(window: { from: Date; to: Date }): void {
  if (window.to.getTime() < window.from.getTime()) throw problems.validation([{ path: 'query.to', message: 'must not be before from' }]);
  if (window.to.getTime() - window.from.getTime() > MAX_AVAILABILITY_SPAN_MS) throw problems.validation([{ path: 'query.to', message: 'the range spans at most 62 days' }]);
}
