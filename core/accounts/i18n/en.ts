import type { AccountsStrings } from './types.ts';

export const en: AccountsStrings = {
  passwordReset: {
    subject: 'Reset your Concierge password',
    text: ({ link, validMinutes }) =>
      [
        'Hello,',
        '',
        'someone (hopefully you) asked to reset the password of your Concierge account.',
        `Open this link within ${validMinutes} minutes to choose a new password:`,
        '',
        link,
        '',
        'The link works once. Setting a new password signs you out everywhere.',
        'If you did not ask for this, ignore this mail: your password stays as it is.',
      ].join('\n'),
  },
  invite: {
    subject: ({ storeName }) => `You are invited to join ${storeName} on Concierge`,
    text: ({ link, storeName, inviter, role, validDays }) =>
      [
        'Hello,',
        '',
        `${inviter} invited you to work on ${storeName} in Concierge as ${role}.`,
        `Open this link within ${validDays} days to accept:`,
        '',
        link,
        '',
        'If you did not expect this invitation, ignore this mail.',
      ].join('\n'),
  },
  roles: { owner: 'owner', admin: 'admin', agent: 'agent' },
};
