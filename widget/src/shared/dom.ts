// Small DOM helpers shared by the loader and the panel (each bundle gets its own copy).
import type { WidgetTheme } from '../../../core/wire/widget.ts';

/**
 * Adds CSS to a shadow root as a constructable stylesheet: a strict page CSP
 * (`style-src 'self'`) blocks <style> elements even inside a shadow root, but not these.
 * Browsers without constructable stylesheets (Safari < 16.4) get a <style> element: it works on
 * pages without a strict CSP, which is the best those browsers allow.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/** Sets the theme as CSS custom properties through the CSSOM (allowed under a strict CSP). */
export function setThemeProperties(el: HTMLElement, theme: WidgetTheme | null | undefined): void {
  const set = (name: string, value: string | undefined) => {
    // Only "#rrggbb" reaches the CSSOM: a stored or served value can never smuggle url(...) in.
    if (value && HEX.test(value)) el.style.setProperty(name, value);
    else el.style.removeProperty(name);
  };
  set('--cc-accent', theme?.accentColor);
  set('--cc-on-accent', theme?.accentTextColor);
  el.classList.toggle('cc-left', theme?.position === 'left');
}

/** localStorage/sessionStorage that never throws (Safari private mode, sandboxed frames, full quota). */
export function storageGet(kind: 'local' | 'session', key: string): string | null {
  try {
    return (kind === 'local' ? localStorage : sessionStorage).getItem(key);
  } catch {
    return null;
  }
}
export function storageSet(kind: 'local' | 'session', key: string, value: string | null): void {
  try {
    const store = kind === 'local' ? localStorage : sessionStorage;
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    /* storage unavailable: the widget still works for this page */
  }
}

/** Storage keys, namespaced per bot so two bots on one site never share a visitor. */
export const storageKey = (botKey: string, name: 'visitor' | 'open' | 'theme' | 'outbox') => `concierge:${botKey}:${name}`;
