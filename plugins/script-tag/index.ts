import { definePlugin } from '@concierge/plugin-sdk';

/** Any website: the merchant pastes one <script> tag. No platform account, no webhooks. */

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function snippet(botKey: string, widgetUrl: string): string {
  return `<script async src="${escapeAttribute(widgetUrl)}" data-bot="${escapeAttribute(botKey)}"></script>`;
}

export default definePlugin({
  manifest: {
    id: 'script-tag',
    name: 'Script tag (any website)',
    version: '0.1.0',
    coreRange: '^0.1.0',
    description: 'Adds the Concierge widget to any website with one <script> tag before </body>.',
  },
  storefront: {
    embed(_ctx, { botKey, widgetUrl }) {
      return {
        kind: 'snippet',
        html: snippet(botKey, widgetUrl),
        instructions: 'Paste this line just before </body> on every page where the assistant should appear, and add the site to the bot\'s allowed origins.',
      };
    },
  },
  install: {
    async begin(ctx, { params }) {
      const botKey = params.botKey;
      if (!botKey) return { kind: 'done' };
      return {
        kind: 'snippet',
        html: snippet(botKey, `${ctx.publicUrl}/widget.js`),
        instructions: 'Paste this line just before </body> on every page of your site.',
      };
    },
  },
});
