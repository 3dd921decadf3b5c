// Ambient declarations for the widget build (Vite `?inline` CSS and build-time constants).
declare module '*.css?inline' {
  const css: string;
  export default css;
}

/** File name of the panel entry chunk, injected into the loader at build time (see vite.config.ts). */
declare const __CONCIERGE_PANEL_FILE__: string;
