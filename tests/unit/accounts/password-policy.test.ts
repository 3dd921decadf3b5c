import { describe, expect, it } from 'vitest';
import { generatePassword } from '../../../core/accounts/passwords.ts';
import { NewPasswordSchema, passwordProblems } from '../../../core/accounts/password-policy.ts';

describe('password policy', () => {
  it('accepts a password that meets every rule', () => {
    expect(passwordProblems('Tailor-Made-2026')).toEqual([]);
    expect(passwordProblems('Ümlaut9xyz')).toEqual([]);
  });

  it('names each broken rule', () => {
    expect(passwordProblems('Ab1')).toEqual(['must be at least 8 characters long']);
    expect(passwordProblems('lowercase-only-9')).toEqual(['must contain an uppercase letter']);
    expect(passwordProblems('No-Digits-Here')).toEqual(['must contain a digit']);
    expect(passwordProblems('zq')).toEqual(['must be at least 8 characters long', 'must contain an uppercase letter', 'must contain a digit']);
  });

  it('refuses common passwords whatever their case, even when they meet the other rules', () => {
    for (const common of ['Password1', 'PASSWORD123', 'Qwerty123', 'Iloveyou1', 'Abcd1234']) {
      expect(passwordProblems(common), common).toEqual(['is one of the most common passwords; choose another']);
    }
  });

  it('refuses what bcrypt would cut off (over 72 bytes)', () => {
    expect(passwordProblems(`A1${'ü'.repeat(40)}`)).toContain('must be at most 72 bytes long');
  });

  it('turns every broken rule into its own validation issue', () => {
    const result = NewPasswordSchema.safeParse('weak');
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message)).toHaveLength(3);
    expect(NewPasswordSchema.safeParse(42).success).toBe(false);
  });

  it('generates passwords that pass the policy', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(passwordProblems(password), password).toEqual([]);
      expect(password).toHaveLength(20);
    }
  });
});
