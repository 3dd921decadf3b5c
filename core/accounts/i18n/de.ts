import type { AccountsStrings } from './types.ts';

export const de: AccountsStrings = {
  passwordReset: {
    subject: 'Passwort für Concierge zurücksetzen',
    text: ({ link, validMinutes }) =>
      [
        'Hallo,',
        '',
        'jemand (hoffentlich Sie) möchte das Passwort Ihres Concierge-Kontos zurücksetzen.',
        `Öffnen Sie diesen Link innerhalb von ${validMinutes} Minuten, um ein neues Passwort zu wählen:`,
        '',
        link,
        '',
        'Der Link funktioniert einmal. Mit dem neuen Passwort werden Sie überall abgemeldet.',
        'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
      ].join('\n'),
  },
  invite: {
    subject: ({ storeName }) => `Einladung zu ${storeName} bei Concierge`,
    text: ({ link, storeName, inviter, role, validDays }) =>
      [
        'Hallo,',
        '',
        `${inviter} hat Sie eingeladen, in Concierge an ${storeName} mitzuarbeiten (Rolle: ${role}).`,
        `Öffnen Sie diesen Link innerhalb von ${validDays} Tagen, um die Einladung anzunehmen:`,
        '',
        link,
        '',
        'Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese E-Mail.',
      ].join('\n'),
  },
  signupExisting: {
    subject: 'Ihr Concierge-Konto besteht bereits',
    text: ({ signInLink, resetLink }) =>
      [
        'Hallo,',
        '',
        'jemand (hoffentlich Sie) wollte mit dieser E-Mail-Adresse einen Concierge-Shop anlegen.',
        'Sie haben bereits ein Konto, daher wurde nichts angelegt.',
        '',
        `Anmelden: ${signInLink}`,
        `Passwort vergessen? ${resetLink}`,
        '',
        'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Ihr Konto bleibt unverändert.',
      ].join('\n'),
  },
  loginUnlock: {
    subject: 'Anmeldungen bei Ihrem Concierge-Konto werden verzögert',
    text: ({ link, validMinutes }) =>
      [
        'Hallo,',
        '',
        'es gab viele fehlgeschlagene Anmeldeversuche bei Ihrem Concierge-Konto, daher müssen Anmeldungen von neuen Adressen warten.',
        `Um sich ohne Wartezeit anzumelden, öffnen Sie diesen Link in dem Browser, den Sie verwenden möchten (${validMinutes} Minuten gültig, einmalig):`,
        link,
        '',
        'Wenn die Versuche nicht von Ihnen stammen, ist Ihr Passwort sicher, solange Sie es nirgends sonst verwenden; ändern Sie es gegebenenfalls.',
      ].join('\n'),
  },
  roles: { owner: 'Inhaber', admin: 'Administrator', agent: 'Mitarbeiter' },
};
