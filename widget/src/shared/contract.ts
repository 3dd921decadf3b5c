/**
 * The contract between the loader (widget.js) and the lazily loaded panel chunk.
 * The loader owns the host element, the launcher and the page-facing `Concierge(...)` global;
 * the panel owns everything inside the chat window. Types only: nothing here reaches a bundle.
 */
import type { WidgetIdentity, WidgetTheme } from '../../../core/wire/widget.ts';

/** Events a page can subscribe to with `Concierge('on', name, fn)`. */
export type ConciergeEventName = 'ready' | 'open' | 'close' | 'message' | 'booking' | 'unread';

/** What the loader hands the panel when it mounts it. */
export interface PanelHost {
  readonly root: ShadowRoot;
  /** Empty element inside the shadow root the panel renders into. */
  readonly mountPoint: HTMLElement;
  /** Focus returns here when the panel closes. */
  readonly launcher: HTMLButtonElement;
  readonly botKey: string;
  /** Base URL of the Concierge server, ending in "/"; the API lives at `${apiBase}widget/v1/...`. */
  readonly apiBase: string;
  /** Set by `Concierge('setLocale', tag)` before the panel loaded. */
  readonly locale: string | null;
  /** Set by `Concierge('identify', {...})` before the panel loaded. */
  readonly identity: WidgetIdentity | null;
  /** The token of a reply mail's link (`#concierge-resume=...` on the page), once: the next session resumes that conversation. */
  takeResume(): string | null;
  setUnread(count: number): void;
  /** Reflects the panel's visibility on the launcher, in sessionStorage and as open/close events. */
  setOpen(open: boolean): void;
  applyTheme(theme: WidgetTheme): void;
  emit(name: ConciergeEventName, detail?: unknown): void;
}

/** What the panel module gives back to the loader. */
export interface PanelApi {
  /** `focus: false` when restoring the open state on page load: never steal focus from the page. */
  open(options?: { focus?: boolean }): void;
  close(): void;
  isOpen(): boolean;
  setLocale(tag: string | null): void;
  identify(identity: WidgetIdentity): void;
}

/** The panel chunk's export. */
export type MountPanel = (host: PanelHost) => PanelApi;
export interface PanelModule {
  mount: MountPanel;
}
