import { describe, expect, it } from 'vitest';
import { de } from '../../../core/accounts/i18n/de.ts';
import { en } from '../../../core/accounts/i18n/en.ts';
import { accountsStrings } from '../../../core/accounts/i18n/strings.ts';

describe('account mail strings', () => {
  it('picks German for any German tag and English otherwise', () => {
    expect(accountsStrings('de')).toBe(de);
    expect(accountsStrings('de-AT')).toBe(de);
    expect(accountsStrings('fr')).toBe(en);
    expect(accountsStrings(undefined)).toBe(en);
  });

  it('puts the link in the body, never in a subject', () => {
    const link = 'https://shop.example/admin/reset-password#token=cpr_secret';
    for (const strings of [en, de]) {
      expect(strings.passwordReset.text({ link, validMinutes: 60 })).toContain(link);
      expect(strings.passwordReset.subject).not.toMatch(/cpr_|token|http/i);
      expect(strings.invite.subject({ storeName: 'Tailor' })).toContain('Tailor');
      expect(strings.invite.text({ link, storeName: 'Tailor', inviter: 'Ann', role: strings.roles.agent, validDays: 7 })).toContain(link);
    }
  });
});
