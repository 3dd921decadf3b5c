import type { ChatStrings } from './types.ts';

export const de: ChatStrings = {
  providerUnavailable:
    'Entschuldigung, ich kann wegen eines technischen Problems bei uns gerade nicht antworten. Hinterlassen Sie Ihre E-Mail-Adresse, dann meldet sich unser Team bei Ihnen.',
  internalError:
    'Entschuldigung, bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal, oder hinterlassen Sie Ihre E-Mail-Adresse, dann meldet sich unser Team bei Ihnen.',
  cannotShareInstructions: 'Das kann ich nicht weitergeben. Bei Produkten, Bestellungen oder Terminen helfe ich Ihnen aber gern. Wonach suchen Sie?',
  rateLimited: 'Sie senden sehr schnell viele Nachrichten. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.',
  languageName: 'German (Deutsch)',
  contactMail: {
    subject: ({ storeName }) => `${storeName}: Ein Kunde bittet um Rückmeldung`,
    text: ({ storeName, email, message, conversationUrl, transcript }) =>
      [
        `Ein Kunde hat im Chat von ${storeName} seine E-Mail-Adresse hinterlassen und wünscht eine Antwort.`,
        '',
        `E-Mail: ${email}`,
        '',
        'Nachricht:',
        message,
        '',
        `Unterhaltung: ${conversationUrl}`,
        ...(transcript ? ['', 'Letzte Nachrichten:', transcript] : []),
      ].join('\n'),
  },
};
