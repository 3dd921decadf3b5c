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
  handoffMail: {
    subject: ({ storeName }) => `${storeName}: a shopper is waiting for a person in the chat`,
    text: ({ storeName, reason, conversationUrl, transcript }) =>
      [
        `A shopper in the chat of ${storeName} asked to talk to a person.`,
        ...(reason ? ['', `What they need: ${reason}`] : []),
        '',
        `Reply here: ${conversationUrl}`,
        ...(transcript ? ['', 'Latest messages:', transcript] : []),
        '',
        'You get this mail because you chose to be told about handoffs (Settings → Notifications).',
      ].join('\n'),
  },
  replyMail: {
    subject: ({ storeName }) => `${storeName} replied to your chat`,
    intro: ({ storeName, agentName, count }) =>
      `${agentName ? `${agentName} from ${storeName}` : storeName} ${count === 1 ? 'sent you a reply' : `sent you ${count} replies`} in the chat:`,
    action: 'Continue the conversation',
    linkNote: "The link opens the chat on the store's website and works for 7 days.",
    stopIntro: "Don't want emails about this conversation?",
    stopAction: 'Stop emails for this conversation',
    footer: ({ storeName }) => `You get this email because you left your email address in the chat of ${storeName}.`,
  },
  stopPage: {
    title: 'Chat emails',
    question: ({ storeName }) => `Stop emails about your chat with ${storeName}?`,
    button: 'Stop emails',
    done: ({ storeName }) => `Done: you will get no more emails about this chat with ${storeName}.`,
    invalid: 'This link is not valid.',
  },
};
