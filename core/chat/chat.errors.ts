import { DomainError } from '../kernel/domain-error.ts';

/** Coded errors of the chat service (widget sessions, conversations); routes map them to problems. */
export type ChatErrorCode =
  /** No bot has this key (`extras.reason`: `unknown-bot`, which the widget's console shows). */
  | 'UNKNOWN_BOT'
  /** The page's origin may not use this bot (`extras.reason`: `origin-not-allowed`, `extras.origin`). */
  | 'ORIGIN_NOT_ALLOWED'
  /** No such conversation (or bot) for this caller. */
  | 'NOT_FOUND'
  /** A reply mail's resume link that is not ours or not for this bot (`extras.reason`: `resume-link-invalid`). */
  | 'RESUME_LINK_INVALID'
  /** A reply mail's resume link past its life (`extras.reason`: `resume-link-expired`). */
  | 'RESUME_LINK_EXPIRED';

export class ChatError extends DomainError<ChatErrorCode> {}

export const chatErrors = {
  unknownBot: () => new ChatError('UNKNOWN_BOT', 'No assistant has this key: check data-bot in the snippet.', { extras: { reason: 'unknown-bot' } }),
  originNotAllowed: (origin: string | undefined) =>
    new ChatError(
      'ORIGIN_NOT_ALLOWED',
      origin ? `This assistant may not be used on ${origin}: add it to the bot's allowed origins.` : 'Widget sessions need an Origin header from an allowed site.',
      { extras: { reason: 'origin-not-allowed', ...(origin ? { origin } : {}) } },
    ),
  notFound: (message = 'No such conversation.') => new ChatError('NOT_FOUND', message),
  resumeLinkInvalid: () =>
    new ChatError('RESUME_LINK_INVALID', 'This conversation link is not valid for this assistant.', {
      extras: { reason: 'resume-link-invalid', errors: [{ path: 'resume', message: 'is not a conversation link of this assistant' }] },
    }),
  resumeLinkExpired: () => new ChatError('RESUME_LINK_EXPIRED', 'This conversation link expired; the chat starts without it.', { extras: { reason: 'resume-link-expired' } }),
};
