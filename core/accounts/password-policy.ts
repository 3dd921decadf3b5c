import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/**
 * The password policy (issue #3): at least 8 characters, an uppercase letter, a digit, and not
 * one of the ~49,000 most common passwords (zxcvbn's list, compared case-insensitively, so
 * "Password1" counts as the common "password1").
 */
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt only reads 72 bytes; a longer password would silently stop mattering past that. */
export const PASSWORD_MAX_BYTES = 72;

/** An uppercase letter and a digit somewhere, no NUL (the route's storable-text rule), as an ECMA-262 `u` pattern. */
export const PASSWORD_PATTERN = '^(?=[^\\u0000]*\\p{Lu})(?=[^\\u0000]*\\p{Nd})[^\\u0000]*$';

let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));

/** Every rule the password breaks, as messages for a 422 `errors` entry; empty when it passes. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) problems.push(`must be at most ${PASSWORD_MAX_BYTES} bytes long`);
  if (!/\p{Lu}/u.test(password)) problems.push('must contain an uppercase letter');
  if (!/\p{Nd}/u.test(password)) problems.push('must contain a digit');
  if (commonPasswords().has(password.toLowerCase())) problems.push('is one of the most common passwords; choose another');
  return problems;
}

/** A new password as a wire field: each broken rule becomes its own validation error. */
export const NewPasswordSchema = z
  .string()
  .superRefine((value, ctx) => {
    for (const message of passwordProblems(value)) ctx.addIssue({ code: 'custom', message });
  })
  .meta({
    // The policy as JSON Schema (issue 14: the document is as strict as validation): length and the
    // two character classes as minLength and a pattern; bytes and the common list only in words.
    description: `At least ${PASSWORD_MIN_LENGTH} characters with an uppercase letter and a digit, at most ${PASSWORD_MAX_BYTES} bytes of UTF-8; not one of the most common passwords (zxcvbn's list, compared case-insensitively).`,
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_BYTES,
    pattern: PASSWORD_PATTERN,
    example: 'Correct-Horse-7-Battery',
  });
