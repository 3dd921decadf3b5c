// widget.js: the one script merchants embed. See loader/boot.ts; the panel file name is injected at build time.
import { boot } from './loader/boot.ts';

boot(window, (url) => import(/* @vite-ignore */ url), __CONCIERGE_PANEL_FILE__);
