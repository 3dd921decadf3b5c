/** German (formal "Sie"). */
import { numbered, type Phrasebook } from './phrasebook.ts';

export const de: Phrasebook = {
  greeting: 'Hallo! Ich helfe Ihnen gern, Produkte zu finden, eine Bestellung zu prüfen oder einen Termin zu buchen. Was kann ich für Sie tun?',
  thanks: 'Gern geschehen! Kann ich Ihnen sonst noch helfen?',
  bye: 'Auf Wiedersehen und danke für Ihren Besuch!',
  ack: 'Prima. Kann ich Ihnen sonst noch helfen?',
  help: 'Ich helfe Ihnen gern bei Produkten, Fragen zum Shop, Ihrer Bestellung oder einer Terminbuchung. Wonach suchen Sie?',
  refuseInstructions:
    'Meine internen Anweisungen kann ich nicht weitergeben. Bei Produkten, Bestellungen oder Terminen helfe ich Ihnen aber gern. Wonach suchen Sie?',
  askOrderDetails: (n, e) =>
    n && e
      ? 'Das prüfe ich gern. Bitte nennen Sie mir Ihre Bestellnummer und die E-Mail-Adresse, mit der Sie bestellt haben.'
      : n
        ? 'Danke. Wie lautet die Bestellnummer?'
        : 'Danke. Zum Schutz Ihrer Daten brauche ich noch die E-Mail-Adresse, mit der Sie bestellt haben.',
  orderHeadline: (number, status, placedOn) => `Die Bestellung **#${number}** ist **${status}** (bestellt am ${placedOn}).`,
  orderNotFound:
    'Zu dieser Bestellnummer und E-Mail-Adresse habe ich keine Bestellung gefunden. Bitte prüfen Sie beides, oder ich verbinde Sie mit einem Mitarbeiter.',
  handoffRequested: 'Ich habe ein Teammitglied dazugeholt. Sie bekommen gleich hier im Chat eine Antwort.',
  handoffUnavailable:
    'Leider ist gerade niemand aus dem Team erreichbar. Hinterlassen Sie Ihre E-Mail-Adresse, dann melden wir uns so bald wie möglich.',
  handoffNotOffered:
    'Ich kann Sie hier gerade nicht mit einem Mitarbeiter verbinden. Hinterlassen Sie bitte Ihre E-Mail-Adresse, das Team meldet sich bei Ihnen.',
  waiting: (online) =>
    online
      ? 'Ein Teammitglied wurde dazugeholt und antwortet gleich hier im Chat. Bis dahin helfe ich gern bei Produkten, Bestellungen oder Terminen.'
      : 'Unser Team ist gerade nicht erreichbar, daher kann im Moment niemand im Chat antworten. Hinterlassen Sie Ihre E-Mail-Adresse, dann antwortet das Team per E-Mail. Bis dahin helfe ich gern bei Produkten, Bestellungen oder Terminen.',
  waitingNote: (online) =>
    online ? '_Ein Teammitglied meldet sich gleich hier im Chat._' : '_Unser Team ist gerade nicht erreichbar: Hinterlassen Sie Ihre E-Mail-Adresse, dann antwortet es per E-Mail._',
  bookingNotOffered: 'Termine kann ich hier gerade nicht buchen. Soll ich Sie mit einem Mitarbeiter verbinden?',
  noServices: 'Im Moment gibt es keine buchbaren Termine. Soll ich Sie mit einem Mitarbeiter verbinden?',
  chooseService: (services, f) =>
    `Diese Termine können Sie buchen:\n${numbered(services.map((s) => `**${s.name}** (${s.durationMinutes} Min.${s.price ? `, ${f.money(s.price)}` : ''})`))}\nWelchen Termin möchten Sie buchen?`,
  noSlots: (name) =>
    `Leider gibt es in den nächsten Tagen keine freien Zeiten${name ? ` für ${name}` : ''}. Möchten Sie einen anderen Termin, oder soll ich Sie mit einem Mitarbeiter verbinden?`,
  chooseSlot: (name, slots, tz, f) =>
    `Diese Zeiten sind frei${name ? ` für **${name}**` : ''} (${tz}):\n${numbered(slots.map((s) => f.slot(s.start, tz)))}\nWelche Zeit passt Ihnen? Antworten Sie z. B. „den ersten“ oder mit einer Uhrzeit wie „${f.time(slots[0]!.start, tz)}“.`,
  slotNotAvailable: (slots, tz, f) =>
    `Diese Zeit ist leider nicht frei. Frei sind (${tz}):\n${numbered(slots.map((s) => f.slot(s.start, tz)))}\nWelche möchten Sie?`,
  proposal: (p, f) =>
    `Hier ist Ihr Terminvorschlag: **${p.serviceName}** am ${f.slot(p.start, p.timeZone)}–${f.time(p.end, p.timeZone)} Uhr (${p.timeZone}). Bitte prüfen Sie die Angaben und bestätigen Sie auf der Karte.`,
  confirmOnCard: 'Bitte bestätigen Sie den Termin mit dem Button auf der Karte. Ohne Ihre Bestätigung kann ich nicht buchen.',
  slotTaken: 'Diese Zeit wurde leider gerade vergeben. Soll ich Ihnen die anderen freien Zeiten zeigen?',
  productsIntro: 'Das habe ich gefunden:',
  productsOutro: 'Möchten Sie mehr zu einem davon wissen?',
  faqIntro: 'Aus unseren FAQ:',
  alsoProducts: 'Passende Produkte:',
  nothingFound: (q) =>
    `Zu „${q}“ habe ich in unserem Shop leider nichts gefunden. Soll ich Sie mit einem Mitarbeiter verbinden?`,
  productNotFound: 'Die Details zu diesem Produkt habe ich leider nicht gefunden. Kann ich Ihnen anders helfen?',
  searchNotOffered: 'Ich kann den Shop gerade nicht durchsuchen. Soll ich Sie mit einem Mitarbeiter verbinden?',
  toolFailed: 'Entschuldigung, bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal, oder ich verbinde Sie mit einem Mitarbeiter.',
  orderStatus: {
    pending: 'offen',
    processing: 'in Bearbeitung',
    on_hold: 'zurückgestellt',
    partially_shipped: 'teilweise versandt',
    shipped: 'versandt',
    delivered: 'zugestellt',
    completed: 'abgeschlossen',
    cancelled: 'storniert',
    refunded: 'erstattet',
    failed: 'fehlgeschlagen',
  },
  labels: { was: 'statt', soldOut: 'ausverkauft', inStock: 'Verfügbar', outOfStock: 'Ausverkauft', items: 'Artikel', total: 'Summe', tracking: 'Sendungsverfolgung' },
};
