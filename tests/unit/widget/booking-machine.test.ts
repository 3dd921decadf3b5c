// The booking flow's state machine: steps, back navigation, validation, 409 and idempotency keys.
import { describe, expect, it } from 'vitest';
import {
  back,
  bookingReducer,
  fromProposal,
  startBooking,
  toBookingRequest,
  type BookingAction,
  type BookingState,
} from '../../../widget/src/panel/booking/booking.machine.ts';

const service = { id: '6f1c1a57-6a8e-4d8e-9b1f-3c2a1d0e5f01', name: 'Bike fitting', durationMinutes: 60 };
const slot = { start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T11:00:00+01:00' };
const alt = { start: '2026-12-01T11:00:00+01:00', end: '2026-12-01T12:00:00+01:00' };

const run = (actions: BookingAction[], s: BookingState = startBooking()) => actions.reduce(bookingReducer, s);
const toDetails: BookingAction[] = [
  { type: 'servicesLoaded', services: [{ ...service }] },
  { type: 'chooseService', service, from: '2026-12-01' },
  { type: 'daysLoaded', from: '2026-12-01', days: [{ date: '2026-12-01', slots: [slot, alt] }] },
  { type: 'chooseDay', date: '2026-12-01' },
  { type: 'chooseSlot', slot },
];
const fill: BookingAction[] = [
  { type: 'edit', field: 'name', value: 'Kim' },
  { type: 'edit', field: 'email', value: 'kim@example.com' },
];

describe('booking machine', () => {
  it('walks service → day → time → details → submitting → confirmed', () => {
    let s = run([...toDetails, ...fill]);
    expect(s.step).toBe('details');
    s = bookingReducer(s, { type: 'submit', newKey: 'key-aaaaaaaa' });
    expect(s).toMatchObject({ step: 'submitting', key: 'key-aaaaaaaa', slot });
    const body = toBookingRequest(s as Extract<BookingState, { step: 'submitting' }>, { timeZone: 'Europe/Berlin', conversationId: null });
    expect(body).toEqual({ serviceId: service.id, start: slot.start, customer: { name: 'Kim', email: 'kim@example.com' }, timeZone: 'Europe/Berlin' });
    s = bookingReducer(s, { type: 'booked', booking: { id: 'b', status: 'confirmed', start: slot.start, end: slot.end, manageUrl: 'https://x.example/m' } });
    expect(s.step).toBe('confirmed');
    expect(back(s)).toBeNull();
  });

  it('does not submit an invalid form', () => {
    const s = run([...toDetails, { type: 'edit', field: 'email', value: 'nope' }, { type: 'edit', field: 'phone', value: 'call me' }, { type: 'submit', newKey: 'k-00000000' }]);
    expect(s.step).toBe('details');
    expect(s.step === 'details' && s.errors).toEqual({ name: 'required', email: 'email', phone: 'invalid' });
    const fixed = bookingReducer(s, { type: 'edit', field: 'name', value: 'Kim' });
    expect(fixed.step === 'details' && fixed.errors.name).toBeUndefined();
  });

  it('offers the alternatives of a 409 and keeps what was typed', () => {
    let s = run([...toDetails, ...fill, { type: 'submit', newKey: 'k-11111111' }, { type: 'conflict', alternatives: [alt] }]);
    expect(s).toMatchObject({ step: 'conflict', alternatives: [alt] });
    s = bookingReducer(s, { type: 'chooseAlternative', slot: alt });
    expect(s).toMatchObject({ step: 'details', slot: alt, form: { name: 'Kim', email: 'kim@example.com' } });
    s = bookingReducer(s, { type: 'submit', newKey: 'k-22222222' });
    expect(s).toMatchObject({ step: 'submitting', key: 'k-22222222', slot: alt });
  });

  it('goes back from the alternatives to the times, and can restart at the day picker', () => {
    const conflict = run([...toDetails, ...fill, { type: 'submit', newKey: 'k-11111111' }, { type: 'conflict', alternatives: [] }]);
    expect(back(conflict)?.step).toBe('time');
    const day = bookingReducer(conflict, { type: 'chooseOtherDay', from: '2026-12-02' });
    expect(day).toMatchObject({ step: 'day', from: '2026-12-02', days: null, form: { name: 'Kim' } });
    expect(back(day)?.step).toBe('services');
  });

  it('reuses the idempotency key after a lost answer, and only then', () => {
    let s = run([...toDetails, ...fill, { type: 'submit', newKey: 'k-first000' }, { type: 'networkFailed' }]);
    expect(s).toMatchObject({ step: 'details', failed: true, retryKey: 'k-first000' });
    expect(bookingReducer(s, { type: 'submit', newKey: 'k-second00' })).toMatchObject({ key: 'k-first000' });
    // Changing the form makes it a different request: a new key.
    s = bookingReducer(s, { type: 'edit', field: 'name', value: 'Kim F.' });
    expect(bookingReducer(s, { type: 'submit', newKey: 'k-third000' })).toMatchObject({ key: 'k-third000' });
  });

  it('maps server field errors back onto the form', () => {
    const s = run([...toDetails, ...fill, { type: 'submit', newKey: 'k-11111111' }, { type: 'rejected', errors: [{ path: 'customer.email', message: 'bad' }] }]);
    expect(s).toMatchObject({ step: 'details', failed: true, errors: { email: 'email' } });
  });

  it('drops availability for a range the shopper already left', () => {
    const s = run([
      { type: 'servicesLoaded', services: [{ ...service }] },
      { type: 'chooseService', service, from: '2026-12-01' },
      { type: 'changeRange', from: '2026-12-15' },
      { type: 'daysLoaded', from: '2026-12-01', days: [{ date: '2026-12-01', slots: [slot] }] },
    ]);
    expect(s).toMatchObject({ step: 'day', from: '2026-12-15', days: null });
  });

  it('enters at the details step from a proposal card; back leaves the flow', () => {
    const s = fromProposal({ type: 'booking_proposal', serviceId: service.id, serviceName: service.name, start: slot.start, end: slot.end });
    expect(s).toMatchObject({ step: 'details', service: { id: service.id, name: 'Bike fitting' }, slot });
    expect(back(s)).toBeNull();
  });
});
