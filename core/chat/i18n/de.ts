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
  handoffMail: {
    subject: ({ storeName }) => `${storeName}: Ein Kunde wartet im Chat auf eine Person`,
    text: ({ storeName, reason, conversationUrl, transcript }) =>
      [
        `Ein Kunde im Chat von ${storeName} möchte mit einer Person sprechen.`,
        ...(reason ? ['', `Anliegen: ${reason}`] : []),
        '',
        `Hier antworten: ${conversationUrl}`,
        ...(transcript ? ['', 'Letzte Nachrichten:', transcript] : []),
        '',
        'Sie erhalten diese E-Mail, weil Sie Benachrichtigungen bei Übergaben gewählt haben (Einstellungen → Benachrichtigungen).',
      ].join('\n'),
  },
  replyMail: {
    subject: ({ storeName }) => `${storeName} hat im Chat geantwortet`,
    intro: ({ storeName, agentName, count }) =>
      `${agentName ? `${agentName} von ${storeName}` : storeName} hat Ihnen im Chat ${count === 1 ? 'geantwortet' : `${count} Antworten geschrieben`}:`,
    action: 'Unterhaltung fortsetzen',
    linkNote: 'Der Link öffnet den Chat auf der Website des Shops und gilt 7 Tage.',
    stopIntro: 'Keine E-Mails zu dieser Unterhaltung mehr?',
    stopAction: 'E-Mails zu dieser Unterhaltung abbestellen',
    footer: ({ storeName }) => `Sie erhalten diese E-Mail, weil Sie im Chat von ${storeName} Ihre E-Mail-Adresse hinterlassen haben.`,
  },
  stopPage: {
    title: 'Chat-E-Mails',
    question: ({ storeName }) => `Keine E-Mails mehr zu Ihrem Chat mit ${storeName}?`,
    button: 'E-Mails abbestellen',
    done: ({ storeName }) => `Erledigt: Sie erhalten keine E-Mails mehr zu diesem Chat mit ${storeName}.`,
    invalid: 'Dieser Link ist ungültig.',
  },
};
