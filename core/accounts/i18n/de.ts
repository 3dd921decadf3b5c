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
  roles: { owner: 'Inhaber', admin: 'Administrator', agent: 'Mitarbeiter' },
};
