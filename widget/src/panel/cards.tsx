// Cards below assistant messages: products and booking proposals (core/wire/widget.ts CardSchema).
import { Show, type JSX } from 'solid-js';
import type { BookingProposalCard, Card, ProductCard } from '../../../core/wire/widget.ts';
import { formatDateTime } from './booking/dates.ts';
import { formatMoney } from '../../../core/wire/money.ts';
import { safeLink } from './booking/Booking.tsx';
import type { PanelCtx } from './context.ts';

export function CardView(props: { ctx: PanelCtx; card: Card }): JSX.Element {
  return (
    <Show when={props.card.type === 'product'} fallback={<Proposal ctx={props.ctx} card={props.card as BookingProposalCard} />}>
      <Product ctx={props.ctx} card={props.card as ProductCard} />
    </Show>
  );
}

function Product(props: { ctx: PanelCtx; card: ProductCard }): JSX.Element {
  const t = () => props.ctx.t();
  return (
    <article class="cc-card">
      <Show when={safeLink(props.card.imageUrl)}>
        {(src) => <img src={src()} alt="" width="64" height="64" loading="lazy" decoding="async" referrerpolicy="no-referrer" />}
      </Show>
      <div>
        <h4 class="cc-card-title">{props.card.title}</h4>
        <Show when={props.card.price}>{(price) => <p class="cc-price">{formatMoney(price(), props.ctx.intl())}</p>}</Show>
        <Show when={safeLink(props.card.url)}>
          {(href) => (
            <a class="cc-link" href={href()} target="_blank" rel="noopener noreferrer">
              {t().viewProduct}
              <span class="cc-sr"> {t().opensInNewTab}</span>
            </a>
          )}
        </Show>
      </div>
    </article>
  );
}

function Proposal(props: { ctx: PanelCtx; card: BookingProposalCard }): JSX.Element {
  return (
    <article class="cc-card">
      <div>
        <h4 class="cc-card-title">{props.card.serviceName}</h4>
        <p>{formatDateTime(props.card.start, props.ctx.intl(), props.ctx.timeZone)}</p>
        <Show
          when={!props.ctx.proposalBooked(props.card)}
          fallback={
            <button type="button" class="cc-btn cc-booked" disabled>
              {props.ctx.t().proposalBooked}
            </button>
          }
        >
          <button type="button" class="cc-btn" onClick={() => props.ctx.openProposal(props.card)}>
            {props.ctx.t().reviewAndBook}
          </button>
        </Show>
      </div>
    </article>
  );
}
