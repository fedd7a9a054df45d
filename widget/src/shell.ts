// What the loader (widget.js, on every store page) hands the panel (loaded on demand): the
// shopper as the loader found them, and the ways back to the launcher. Types only.
import type { TicketT, WidgetConfigT, WidgetSessionRequestT, WidgetSessionT } from "../../contract";
import type { Translator } from "./i18n";

export type PanelContext = {
  /** Parley's origin, where widget.js came from. */
  base: string;
  /** Inside the widget's shadow root, above the launcher. */
  target: HTMLElement;
  t: Translator;
  config: WidgetConfigT;
  session: WidgetSessionT;
  /** Who the page says the shopper is; the panel renews the session with it. */
  identity: WidgetSessionRequestT;
  /** The shopper's open chat, if any; else a closed one they may still rate (CSAT). */
  ticket: TicketT | null;
  loginUrl: string;
  open: boolean;
  /** The panel counts what the shopper has not read; the launcher shows it. */
  onUnread(count: number): void;
  /** The panel's close button or Esc. */
  onClose(): void;
};

export type PanelHandle = { setOpen(open: boolean): void; destroy(): void };

export type PanelModule = { mountPanel(context: PanelContext): PanelHandle };
