/**
 * The Shopify admin's side of an embedded app, as far as a browser test needs it:
 * - the admin page `/store/{name}/apps/{handle}` that frames the app URL with the signed query Shopify
 *   sends (`embedded=1`, `host`, `shop`, `timestamp`, `id_token`, `hmac`), and answers the app frame's
 *   token requests by minting a session token for that shop (`POST /store/{name}/id-token`);
 * - a stand-in for App Bridge (`/shopifycloud/app-bridge.js`; tests route Shopify's CDN URL to it):
 *   `shopify.idToken()` asks the parent admin page over postMessage, as App Bridge does, and resolves
 *   with a fresh session token.
 * The real admin lives at https://admin.shopify.com; tests serve these pages there with Playwright's
 * `page.route`, so the browser sees the same origins as in production.
 */

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const APP_BRIDGE_STAND_IN = `/* Test stand-in for Shopify App Bridge: shopify.idToken() over postMessage to the admin page. */
(function () {
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  var params = new URLSearchParams(location.search);
  var pending = {};
  var next = 0;
  window.addEventListener('message', function (event) {
    if (event.source !== window.parent) return;
    var data = event.data || {};
    if (data.type !== 'fake-app-bridge:id-token' || !pending[data.id]) return;
    var settle = pending[data.id];
    delete pending[data.id];
    settle(data);
  });
  window.shopify = {
    config: { apiKey: meta ? meta.content : null, shop: params.get('shop'), host: params.get('host') },
    idToken: function () {
      return new Promise(function (resolve, reject) {
        var id = ++next;
        pending[id] = function (data) { if (data.token) resolve(data.token); else reject(new Error(data.error || 'no session token')); };
        window.parent.postMessage({ type: 'fake-app-bridge:id-token-request', id: id, apiKey: meta ? meta.content : null }, '*');
      });
    },
  };
})();
`;

/** The admin page of one shop with the app framed at `frameSrc` (the app URL + Shopify's signed query). */
export function adminPage(input: { shopTitle: string; frameSrc: string; tokenPath: string }): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(input.shopTitle)} · Shopify admin (fake)</title></head>
<body>
<h1>${escape(input.shopTitle)} — Apps — Concierge</h1>
<iframe id="app-frame" name="app-iframe" title="Concierge" src="${escape(input.frameSrc)}" style="width:100%;height:900px;border:0"></iframe>
<script>
  var frame = document.getElementById('app-frame');
  window.addEventListener('message', function (event) {
    var data = event.data || {};
    if (event.source !== frame.contentWindow || data.type !== 'fake-app-bridge:id-token-request') return;
    fetch(${JSON.stringify(input.tokenPath)}, { method: 'POST' })
      .then(function (r) { return r.ok ? r.json() : { error: 'HTTP ' + r.status }; })
      .catch(function (e) { return { error: String(e) }; })
      .then(function (answer) {
        event.source.postMessage({ type: 'fake-app-bridge:id-token', id: data.id, token: answer.token, error: answer.error }, event.origin);
      });
  });
</script>
</body>
</html>`;
}
