import type { ChatStrings } from './types.ts';

export const en: ChatStrings = {
  providerUnavailable:
    "Sorry, I can't answer right now because of a technical problem on our side. Leave your email address and our team will get back to you.",
  internalError: 'Sorry, something went wrong on our side. Please try again in a moment, or leave your email address and our team will get back to you.',
  cannotShareInstructions: "I can't share that. I'm happy to help with products, orders or appointments, though. What are you looking for?",
  rateLimited: "You're sending messages very quickly. Please wait a moment and try again.",
  languageName: 'English',
  contactMail: {
    subject: ({ storeName }) => `${storeName}: a shopper asked to be contacted`,
    text: ({ storeName, email, message, conversationUrl, transcript }) =>
      [
        `A shopper on ${storeName} left their email address in the chat and would like an answer.`,
        '',
        `Email: ${email}`,
        '',
        'Their message:',
        message,
        '',
        `Conversation: ${conversationUrl}`,
        ...(transcript ? ['', 'Latest messages:', transcript] : []),
      ].join('\n'),
  },
};
