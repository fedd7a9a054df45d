// widget.js, the storefront loader: the `Parley(...)` queue, the launcher and its badge, and the
// start-up calls (session, config, the open chat). The panel, its strings aside, loads only when
// it is needed: on the first open (prefetched on hover or focus), or at once when the shopper
// has an open chat (its replies and unread count arrive live), a closed one still to rate, or
// left the panel open on the previous page of this tab.
import type { TicketT, WidgetConfigT, WidgetSessionRequestT, WidgetSessionT } from "../../../contract";
import { ApiError } from "../../../client/api";
import { CHAT_FRAGMENT } from "../../../contract/chat-link";
import { shippedLocale, type Locale } from "../../../contract/locales";
import { tabStorage } from "../tab-storage";
import { createApi } from "../api";
import { translator, type Translator } from "../i18n";
import type { Messages } from "../locales/messages";
import type { PanelHandle, PanelModule } from "../shell";
import { createLauncher } from "./launcher";

/** Set by the build: the panel's and each locale's file under /widget/, named by their content. */
declare const __PARLEY_CHUNKS__: { panel: string; locales: Record<Locale, string> };

type BootOptions = WidgetSessionRequestT & { locale?: string; loginUrl?: string };
type Booted = { t: Translator; config: WidgetConfigT; session: WidgetSessionT; identity: WidgetSessionRequestT; ticket: TicketT | null; loginUrl: string };
type Queued = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };

const DEFAULT_LOGIN_URL = "/account/login";
const script = document.currentScript as HTMLScriptElement | null;
const base = script?.src ? new URL(script.src).origin : location.origin;
const chunk = (path: string) => import(/* @vite-ignore */ `${base}/${path}`);

/** The shopper's language: the boot option, the page's <html lang>, the browser's languages, else English. */
function pickLocale(requested?: string): Locale {
  for (const tag of [requested, document.documentElement.lang, ...navigator.languages]) {
    const locale = tag && shippedLocale(tag);
    if (locale) return locale;
  }
  return "en";
}

/** The URL if it is a web address (http or https, absolute or on this site); `javascript:` and the like are not. */
function webAddress(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return ["http:", "https:"].includes(new URL(url, location.href).protocol) ? url : null;
  } catch {
    return null;
  }
}

let booted: Booted | null = null;
// Left open on the previous page of this tab, or a link into the chat (a continuity email's).
let open = tabStorage.read<boolean>("open") === true || location.hash === CHAT_FRAGMENT;
let panelModule: Promise<PanelModule> | null = null;
let panel: PanelHandle | null = null;
/** Bumped by every boot and shutdown: answers that arrive for an earlier shopper are dropped. */
let generation = 0;
let warnedIdentity = false;

const launcher = createLauncher({ toggle: () => setOpen(!open), prefetch: () => void loadPanel() });

function loadPanel(): Promise<PanelModule> {
  panelModule ??= chunk(__PARLEY_CHUNKS__.panel).catch((error: unknown) => {
    panelModule = null; // offline for a moment: the next open tries again
    throw error;
  });
  return panelModule;
}

/** Mounts the panel for the booted shopper, once. */
async function showPanel(): Promise<void> {
  const generationNow = generation;
  const { mountPanel } = await loadPanel();
  if (panel || !booted || generationNow !== generation) return;
  panel = mountPanel({
    base,
    target: launcher.slot,
    ...booted,
    open,
    onUnread: (count) => {
      launcher.setUnread(count);
      dispatchEvent(new CustomEvent("parley:unread", { detail: { count } }));
    },
    onClose: () => {
      setOpen(false);
      launcher.focus();
    },
  });
}

/** Before boot has finished, only remembered: boot opens the panel then. */
function setOpen(value: boolean): void {
  open = value;
  tabStorage.write("open", open || null);
  launcher.setOpen(open);
  if (panel) panel.setOpen(open);
  else if (open && booted) showPanel().catch((error) => console.warn("Parley: the chat panel could not load", error));
}

/** The session for who the page says the shopper is; a refused identity is logged out, and the store's developer is told why. */
async function startSession(api: ReturnType<typeof createApi>, identity: WidgetSessionRequestT): Promise<WidgetSessionT> {
  try {
    return await api.session(identity);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "invalid_identity")) throw error;
    if (!warnedIdentity) {
      warnedIdentity = true;
      console.warn(
        "Parley: the userHash given to Parley('boot') does not match customer.id, so this shopper is shown the chat as logged out. " +
          "Compute userHash on your server as the hex HMAC-SHA256 of customer.id with the identity secret from Parley's settings (IDENTITY_SECRET), " +
          "for the same id you pass in customer.id.",
      );
    }
    return api.session({});
  }
}

async function boot(options: BootOptions = {}): Promise<void> {
  shutdownPanel();
  const generationNow = ++generation;
  let token: string | null = null;
  const api = createApi(base, () => token);
  const locale = pickLocale(options.locale);
  const identity: WidgetSessionRequestT = options.customer ? { customer: options.customer, userHash: options.userHash } : {};
  const [messages, config, session] = await Promise.all([
    chunk(__PARLEY_CHUNKS__.locales[locale]).then((module: { default: Messages }) => module.default),
    api.config(locale),
    startSession(api, identity),
  ]);
  if (generationNow !== generation) return;
  token = session.token;
  // The open chat; else, with CSAT on, a closed one the shopper left unrated: the panel asks again.
  let ticket = session.profileId ? await api.activeTicket() : null;
  if (!ticket && session.profileId && config.csat.enabled) ticket = await api.unratedTicket().catch(() => null);
  if (generationNow !== generation) return;
  const t = translator(locale, messages);
  booted = { t, config, session, identity, ticket, loginUrl: webAddress(options.loginUrl) ?? DEFAULT_LOGIN_URL };
  // With loginStatus "logged_in" the launcher waits for a known shopper. It needs something to offer: chat, or FAQs.
  const visible = (config.loginStatus === "all" || session.profileId !== null) && (config.enabled || config.faqs.length > 0 || ticket !== null);
  launcher.show(visible ? t : null);
  launcher.setOpen(open && visible);
  if (visible && (open || ticket)) await showPanel();
}

function shutdownPanel(): void {
  panel?.destroy();
  panel = null;
  booted = null;
  launcher.setUnread(0);
  launcher.show(null);
}

function run(command: unknown, options?: unknown): void {
  const failed = (error: unknown) => console.warn("Parley: boot failed", error);
  if (command === "boot") boot((options ?? {}) as BootOptions).catch(failed);
  else if (command === "open") setOpen(true);
  else if (command === "close") setOpen(false);
  else if (command === "shutdown") {
    generation++;
    shutdownPanel();
    tabStorage.clearAll();
    open = false;
  } else console.warn(`Parley: unknown command ${String(command)}`);
}

const page = window as unknown as { Parley?: Queued };
const queued = page.Parley?.q ?? [];
page.Parley = (command: unknown, options?: unknown) => run(command, options);
for (const call of queued) run(call[0], call[1]);
if (!queued.length) run("boot");
dispatchEvent(new CustomEvent("parley:ready"));
