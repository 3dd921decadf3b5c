/**
 * The booking flow as a pure state machine: service → day → time → details → submit →
 * confirmed, with a 409 "taken" branch that offers the server's alternatives. A booking proposal
 * card from the assistant enters directly at the details step. The component performs the HTTP
 * calls and feeds their outcomes back as actions.
 */
import type {
  BookingProposalCard,
  CreateBookingRequest,
  CreateBookingResponse,
  FieldError,
  Slot,
  WidgetService,
} from '../../../../core/wire/widget.ts';
import type { DaySlots } from './dates.ts';

export interface ServiceRef {
  id: string;
  name: string;
  durationMinutes?: number;
}
export interface BookingForm {
  name: string;
  email: string;
  phone: string;
  notes: string;
}
export type FormField = keyof BookingForm;
export type FieldProblem = 'required' | 'email' | 'invalid';

type Step =
  | { step: 'services'; services: WidgetService[] | null; failed: boolean }
  | { step: 'day'; service: ServiceRef; from: string; days: DaySlots[] | null; failed: boolean }
  | { step: 'time'; service: ServiceRef; day: DaySlots }
  | {
      step: 'details';
      service: ServiceRef;
      slot: Slot;
      errors: Partial<Record<FormField, FieldProblem>>;
      failed: boolean;
      /** Key of an attempt whose answer never arrived: a retry must reuse it (the server may have booked). */
      retryKey: string | null;
    }
  | { step: 'submitting'; service: ServiceRef; slot: Slot; key: string }
  | { step: 'conflict'; service: ServiceRef; alternatives: Slot[] }
  | { step: 'confirmed'; service: ServiceRef; booking: CreateBookingResponse };

/** The form travels with every step so going back and forth (or a 409) never loses what was typed. */
export type BookingState = Step & { form: BookingForm; prev: BookingState | null };

export type BookingAction =
  | { type: 'servicesLoaded'; services: WidgetService[] }
  | { type: 'loadFailed' }
  | { type: 'chooseService'; service: ServiceRef; from: string }
  | { type: 'changeRange'; from: string }
  | { type: 'daysLoaded'; from: string; days: DaySlots[] }
  | { type: 'chooseDay'; date: string }
  | { type: 'chooseSlot'; slot: Slot }
  | { type: 'edit'; field: FormField; value: string }
  | { type: 'submit'; newKey: string }
  | { type: 'booked'; booking: CreateBookingResponse }
  | { type: 'conflict'; alternatives: Slot[] }
  | { type: 'rejected'; errors?: FieldError[] }
  | { type: 'networkFailed' }
  | { type: 'chooseAlternative'; slot: Slot }
  /** From the conflict step: pick another day (fresh availability, the taken slot is gone). */
  | { type: 'chooseOtherDay'; from: string };

export const emptyForm = (): BookingForm => ({ name: '', email: '', phone: '', notes: '' });

export const startBooking = (form: BookingForm = emptyForm()): BookingState => ({
  step: 'services',
  services: null,
  failed: false,
  form,
  prev: null,
});

/** Details step for an assistant's proposal; "back" leaves the flow. */
export const fromProposal = (card: BookingProposalCard, form: BookingForm = emptyForm()): BookingState => ({
  step: 'details',
  service: { id: card.serviceId, name: card.serviceName },
  slot: { start: card.start, end: card.end },
  errors: {},
  failed: false,
  retryKey: null,
  form,
  prev: null,
});

/** Where "back" goes; null means "leave the booking flow". */
export const back = (state: BookingState): BookingState | null =>
  state.prev ? ({ ...state.prev, form: state.form } as BookingState) : null;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{3,40}$/;

export function validate(form: BookingForm): Partial<Record<FormField, FieldProblem>> {
  const errors: Partial<Record<FormField, FieldProblem>> = {};
  if (!form.name.trim()) errors.name = 'required';
  if (!form.email.trim()) errors.email = 'required';
  else if (!EMAIL.test(form.email.trim())) errors.email = 'email';
  if (form.phone.trim() && !PHONE.test(form.phone.trim())) errors.phone = 'invalid';
  return errors;
}

export function bookingReducer(state: BookingState, action: BookingAction): BookingState {
  const keep = { form: state.form };
  const forward = (next: Step): BookingState => ({ ...next, ...keep, prev: state });
  const same = (next: Step): BookingState => ({ ...next, ...keep, prev: state.prev });

  switch (action.type) {
    case 'servicesLoaded':
      return state.step === 'services' ? same({ step: 'services', services: action.services, failed: false }) : state;
    case 'loadFailed':
      if (state.step === 'services') return same({ step: 'services', services: null, failed: true });
      if (state.step === 'day') return same({ ...state, days: null, failed: true });
      return state;
    case 'chooseService':
      return state.step === 'services' ? forward({ step: 'day', service: action.service, from: action.from, days: null, failed: false }) : state;
    case 'changeRange':
      return state.step === 'day' ? same({ ...state, from: action.from, days: null, failed: false }) : state;
    case 'daysLoaded':
      // A late answer for a range the shopper already left is dropped.
      return state.step === 'day' && state.from === action.from ? same({ ...state, days: action.days, failed: false }) : state;
    case 'chooseDay': {
      if (state.step !== 'day') return state;
      const day = state.days?.find((d) => d.date === action.date);
      return day ? forward({ step: 'time', service: state.service, day }) : state;
    }
    case 'chooseSlot':
      return state.step === 'time'
        ? forward({ step: 'details', service: state.service, slot: action.slot, errors: {}, failed: false, retryKey: null })
        : state;
    case 'edit': {
      const form = { ...state.form, [action.field]: action.value };
      if (state.step !== 'details') return { ...state, form };
      const { [action.field]: _fixed, ...errors } = state.errors;
      // A changed form is a different booking request: it must not reuse the old key.
      return { ...state, form, errors, retryKey: null };
    }
    case 'submit': {
      if (state.step !== 'details') return state;
      const errors = validate(state.form);
      if (Object.keys(errors).length) return { ...state, errors, failed: false };
      return same({ step: 'submitting', service: state.service, slot: state.slot, key: state.retryKey ?? action.newKey });
    }
    case 'booked':
      return state.step === 'submitting' ? { step: 'confirmed', service: state.service, booking: action.booking, ...keep, prev: null } : state;
    case 'conflict':
      // "Back" from the alternatives goes where "back" from the details went.
      return state.step === 'submitting' ? same({ step: 'conflict', service: state.service, alternatives: action.alternatives }) : state;
    case 'rejected': {
      if (state.step !== 'submitting') return state;
      const errors: Partial<Record<FormField, FieldProblem>> = {};
      for (const e of action.errors ?? []) {
        const field = e.path.replace(/^customer\./, '') as FormField;
        if (field in state.form) errors[field] = field === 'email' ? 'email' : 'invalid';
      }
      return same({ step: 'details', service: state.service, slot: state.slot, errors, failed: true, retryKey: null });
    }
    case 'networkFailed':
      return state.step === 'submitting'
        ? same({ step: 'details', service: state.service, slot: state.slot, errors: {}, failed: true, retryKey: state.key })
        : state;
    case 'chooseAlternative':
      return state.step === 'conflict'
        ? forward({ step: 'details', service: state.service, slot: action.slot, errors: {}, failed: false, retryKey: null })
        : state;
    case 'chooseOtherDay': {
      if (state.step !== 'conflict') return state;
      let dayStep = state.prev;
      while (dayStep && dayStep.step !== 'day') dayStep = dayStep.prev;
      const prev = dayStep ? dayStep.prev : null;
      return { step: 'day', service: state.service, from: action.from, days: null, failed: false, ...keep, prev };
    }
  }
}

/** The POST /bookings body for a submitting state. */
export function toBookingRequest(
  state: Extract<BookingState, { step: 'submitting' }>,
  extra: { timeZone: string; conversationId: string | null; locale?: string },
): CreateBookingRequest {
  const f = state.form;
  return {
    serviceId: state.service.id,
    start: state.slot.start,
    customer: { name: f.name.trim(), email: f.email.trim(), ...(f.phone.trim() ? { phone: f.phone.trim() } : {}) },
    ...(f.notes.trim() ? { notes: f.notes.trim() } : {}),
    timeZone: extra.timeZone,
    ...(extra.conversationId ? { conversationId: extra.conversationId } : {}),
    ...(extra.locale ? { locale: extra.locale } : {}),
  };
}
