import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for secrets (platform tokens, per-tenant LLM keys, webhook secrets;
 * design.md §4): AES-256-GCM with a key derived from SECRET_KEY per purpose, so one leaked
 * ciphertext class does not help with another.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string, purpose: string) {
    if (secretKey.length < 32) throw new Error('SecretBox needs a key of at least 32 characters');
    this.key = Buffer.from(hkdfSync('sha256', secretKey, 'concierge', `secret-box:${purpose}`, 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== 'v1' || !payload) throw new Error('not a sealed secret');
    const raw = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** Derives an independent key (e.g. for JWT signing) from SECRET_KEY. */
export function deriveKey(secretKey: string, purpose: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'concierge', `key:${purpose}`, bytes));
}
