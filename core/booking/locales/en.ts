// English strings of booking mails. Plain text only: the templates escape everything for HTML.
// Placeholders are typed parameters, so a translation cannot forget one.

export const en = {
  labels: {
    service: 'Service',
    when: 'When',
    where: 'Where',
    store: 'Store',
    customer: 'Customer',
    email: 'Email',
    phone: 'Phone',
    notes: 'Notes',
    yourNotes: 'Your notes',
    staff: 'With',
    previously: 'Previously',
    shopperTime: "Customer's local time",
    reason: 'Reason',
  },
  confirmation: {
    subject: (p: { service: string; date: string }) => `Booking confirmed: ${p.service}, ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} is confirmed.`,
    calendar: 'The attached calendar file adds the appointment to your calendar.',
    manageIntro: 'Need to reschedule or cancel? Use your personal link:',
    manageAction: 'Manage booking',
    privateLink: 'Keep this link to yourself: anyone who has it can change your booking.',
  },
  merchant: {
    subject: (p: { service: string; date: string; customer: string }) => `New booking: ${p.service}, ${p.date} (${p.customer})`,
    intro: (p: { service: string }) => `A customer booked ${p.service}.`,
    openAction: 'Open in dashboard',
  },
  cancellation: {
    subject: (p: { service: string; date: string }) => `Booking cancelled: ${p.service}, ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    introByShopper: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} has been cancelled, as you asked.`,
    introByMerchant: (p: { service: string; store: string }) =>
      `We are sorry: ${p.store} had to cancel your booking for ${p.service}.`,
    calendar: 'The attached calendar file removes the appointment from your calendar.',
    bookAgainIntro: 'You are welcome to book another time:',
    bookAgainAction: 'Book again',
  },
  reschedule: {
    subject: (p: { service: string; date: string }) => `Booking moved: ${p.service}, now ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} has a new time.`,
    calendar: 'The attached calendar file updates the appointment in your calendar.',
    manageIntro: 'Need another change? Use your personal link:',
    manageAction: 'Manage booking',
  },
  reminder: {
    subject: (p: { service: string; relative: string }) => `Reminder: ${p.service} ${p.relative}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string; relative: string }) =>
      `A quick reminder: your appointment for ${p.service} at ${p.store} is ${p.relative}.`,
    manageIntro: 'Cannot make it? Please reschedule or cancel:',
    manageAction: 'Manage booking',
  },
  footer: (p: { store: string }) => `Sent by ${p.store} via Concierge.`,
  /** The manage page behind the signed link (cancel or pick another time). */
  manage: {
    title: (p: { store: string }) => `Your booking at ${p.store}`,
    invalidTitle: 'Link not valid',
    invalid: 'This link is not valid. Please use the link from your confirmation email.',
    status: { confirmed: 'Confirmed', cancelled: 'Cancelled', no_show: 'Missed' },
    statusLabel: 'Status',
    timesIn: (p: { zone: string }) => `Times are shown in ${p.zone}.`,
    cancelHeading: 'Cancel',
    cancelConfirm: 'Yes, I want to cancel this appointment.',
    cancelAction: 'Cancel booking',
    rescheduleHeading: 'Pick another time',
    pickDay: 'Show free times from',
    showTimes: 'Show',
    noTimes: 'No free times in these days.',
    earlier: 'Earlier days',
    later: 'Later days',
    moveAction: 'Move my booking to this time',
    done: {
      cancelled: 'Your booking is cancelled. We have sent you a confirmation by email.',
      rescheduled: 'Your booking has a new time. We have sent you the details by email.',
    },
    taken: 'Sorry, that time has just been taken. Please pick another one.',
    notBookable: 'That time cannot be booked. Please pick another one.',
    started: 'This appointment has already started, so it can no longer be changed here. Please contact the store.',
    isCancelled: 'This booking is cancelled.',
    mustConfirm: 'Please tick the box to confirm the cancellation.',
    language: 'Deutsch',
  },
};

export type BookingMailStrings = typeof en;
