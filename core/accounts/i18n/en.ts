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
  signupExisting: {
    subject: 'Your Concierge account already exists',
    text: ({ signInLink, resetLink }) =>
      [
        'Hello,',
        '',
        'someone (hopefully you) tried to create a Concierge store with this email address.',
        'You have an account already, so nothing was created.',
        '',
        `Sign in: ${signInLink}`,
        `Forgot your password? ${resetLink}`,
        '',
        'If this was not you, ignore this mail: your account is unchanged.',
      ].join('\n'),
  },
  loginUnlock: {
    subject: 'Sign-ins to your Concierge account are slowed down',
    text: ({ link, validMinutes }) =>
      [
        'Hello,',
        '',
        'there were many failed attempts to sign in to your Concierge account, so sign-ins from new addresses have to wait.',
        `To sign in without waiting, open this link in the browser you want to use (valid ${validMinutes} minutes, once):`,
        link,
        '',
        'If the failed attempts were not yours, your password is still safe as long as it is not used elsewhere; consider changing it.',
      ].join('\n'),
  },
  roles: { owner: 'owner', admin: 'admin', agent: 'agent' },
};
