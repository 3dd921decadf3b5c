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
  /** To members who opted in (PUT /api/v1/me/notifications) when a shopper asks for a person. */
  handoffMail: {
    subject(input: { storeName: string }): string;
    text(input: { storeName: string; reason: string; conversationUrl: string; transcript: string }): string;
  };
  /** To the shopper: the team replied while they were away (one mail for the replies of a few minutes). */
  replyMail: {
    subject(input: { storeName: string }): string;
    intro(input: { storeName: string; agentName: string | null; count: number }): string;
    /** The button / link text that reopens the chat on the store's page. */
    action: string;
    linkNote: string;
    stopIntro: string;
    stopAction: string;
    footer(input: { storeName: string }): string;
  };
  /** The page behind the reply mail's "stop" link (a form: mail scanners that follow links must not stop anything). */
  stopPage: {
    title: string;
    question(input: { storeName: string }): string;
    button: string;
    done(input: { storeName: string }): string;
    invalid: string;
  };
}
