/** Every user-facing text of the chat engine; one file per locale (conventions). */
export interface ChatStrings {
  /** The model provider failed (timeout, 5xx, broken stream): apology + the email offer. */
  providerUnavailable: string;
  /** Anything else went wrong while answering. */
  internalError: string;
  /** The reply would have revealed the assistant's instructions. */
  cannotShareInstructions: string;
  /** Too many messages in a short time. */
  rateLimited: string;
  /** System prompt: the language to answer in. */
  languageName: string;
  /** The mail to the merchant when a shopper leaves an email address. */
  contactMail: {
    subject(input: { storeName: string }): string;
    text(input: { storeName: string; email: string; message: string; conversationUrl: string; transcript: string }): string;
  };
}
