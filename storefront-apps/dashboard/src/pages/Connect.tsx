/**
 * `/admin/connect/:pluginId?site=…&return=…`: where a Connect button on another site (the WordPress
 * settings page) lands when the merchant was not signed in — the server sends that navigation to
 * sign-in with this page as `next`. The merchant sees which store is being connected to which
 * Concierge store and continues with a click: a navigation from our own origin, so the SameSite=Strict
 * session cookie travels, and a link planted on another site cannot connect a store on its own.
 */
import { Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { me } from '../session.ts';
import { BASE, linkClick, where } from '../router.ts';

const PLATFORMS: Record<string, string> = { woocommerce: 'WooCommerce', shopify: 'Shopify', bigcommerce: 'BigCommerce' };

export default function Connect(props: { pluginId: string }) {
  const params = () => new URLSearchParams(where().search);
  const site = () => {
    try {
      const url = new URL(params().get('site') ?? '');
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.host + url.pathname.replace(/\/+$/, '') : '';
    } catch {
      return '';
    }
  };
  const platform = () => PLATFORMS[props.pluginId] ?? props.pluginId;
  const href = () => `/plugins/${encodeURIComponent(props.pluginId)}/connect${where().search}`;
  return (
    <div class="page">
      <h1>{t().connectTitle(platform())}</h1>
      <Show
        when={site()}
        fallback={
          <p class="error" role="alert">
            {t().connectNoSite}
          </p>
        }
      >
        <div class="card">
          <p id="connect-what">{t().connectWhat(platform(), site(), me()?.tenant.name ?? '')}</p>
          <p>{t().connectNext(platform())}</p>
          <p>
            <a id="connect-continue" class="button-link" href={href()}>
              <strong>{t().connectContinue(site())}</strong>
            </a>{' '}
            <a href={`${BASE}/settings`} onClick={linkClick}>
              {t().cancel}
            </a>
          </p>
        </div>
      </Show>
    </div>
  );
}
