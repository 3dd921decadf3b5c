// What every panel view needs: strings, the Intl locale, the shopper's zone and the chat controller.
import type { Accessor } from 'solid-js';
import type { BookingProposalCard } from '../../../core/wire/widget.ts';
import type { PanelStrings } from '../i18n/en.ts';
import type { Chat } from './chat.ts';

export interface PanelCtx {
  t: Accessor<PanelStrings>;
  /** BCP 47 tag for Intl formatting (the page's "de-AT" rather than just "de" when it has one). */
  intl: Accessor<string>;
  /** The shopper's IANA zone: availability is requested and shown in it. */
  timeZone: string;
  chat: Chat;
  openProposal(card: BookingProposalCard): void;
  /** Whether a proposal card was used to book (kept across reloads): it then shows "Booked ✓". */
  proposalBooked(card: BookingProposalCard): boolean;
}
