// German strings of booking mails (Sie-form). Plain text only: the templates escape everything for HTML.
import type { BookingMailStrings } from './en.ts';

export const de: BookingMailStrings = {
  labels: {
    service: 'Leistung',
    when: 'Wann',
    where: 'Wo',
    store: 'Geschäft',
    customer: 'Kunde',
    email: 'E-Mail',
    phone: 'Telefon',
    notes: 'Notizen',
    yourNotes: 'Ihre Notizen',
    staff: 'Bei',
    previously: 'Bisher',
    shopperTime: 'Ortszeit des Kunden',
    reason: 'Grund',
  },
  confirmation: {
    subject: (p) => `Termin bestätigt: ${p.service}, ${p.date}`,
    greeting: (p) => `Hallo ${p.name},`,
    intro: (p) => `Ihr Termin für ${p.service} bei ${p.store} ist bestätigt.`,
    calendar: 'Mit der angehängten Kalenderdatei tragen Sie den Termin in Ihren Kalender ein.',
    manageIntro: 'Sie möchten den Termin verschieben oder absagen? Nutzen Sie Ihren persönlichen Link:',
    manageAction: 'Termin verwalten',
    privateLink: 'Geben Sie diesen Link nicht weiter: Wer ihn hat, kann Ihren Termin ändern.',
  },
  merchant: {
    subject: (p) => `Neuer Termin: ${p.service}, ${p.date} (${p.customer})`,
    intro: (p) => `Ein Kunde hat ${p.service} gebucht.`,
    openAction: 'Im Dashboard öffnen',
  },
  cancellation: {
    subject: (p) => `Termin abgesagt: ${p.service}, ${p.date}`,
    greeting: (p) => `Hallo ${p.name},`,
    introByShopper: (p) => `Ihr Termin für ${p.service} bei ${p.store} wurde wie gewünscht abgesagt.`,
    introByMerchant: (p) => `leider musste ${p.store} Ihren Termin für ${p.service} absagen. Das tut uns leid.`,
    calendar: 'Mit der angehängten Kalenderdatei entfernen Sie den Termin aus Ihrem Kalender.',
    bookAgainIntro: 'Gerne können Sie einen neuen Termin buchen:',
    bookAgainAction: 'Neu buchen',
  },
  reschedule: {
    subject: (p) => `Termin verschoben: ${p.service}, jetzt ${p.date}`,
    greeting: (p) => `Hallo ${p.name},`,
    intro: (p) => `Ihr Termin für ${p.service} bei ${p.store} hat eine neue Zeit.`,
    calendar: 'Mit der angehängten Kalenderdatei aktualisieren Sie den Termin in Ihrem Kalender.',
    manageIntro: 'Noch eine Änderung? Nutzen Sie Ihren persönlichen Link:',
    manageAction: 'Termin verwalten',
  },
  reminder: {
    subject: (p) => `Erinnerung: ${p.service} ${p.relative}`,
    greeting: (p) => `Hallo ${p.name},`,
    intro: (p) => `eine kurze Erinnerung: Ihr Termin für ${p.service} bei ${p.store} ist ${p.relative}.`,
    manageIntro: 'Sie können nicht kommen? Bitte verschieben oder sagen Sie ab:',
    manageAction: 'Termin verwalten',
  },
  footer: (p) => `Gesendet von ${p.store} über Concierge.`,
};
