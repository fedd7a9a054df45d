// The launcher: a button fixed to the corner of the store's page, in a shadow root so the store's
// CSS and ours never meet, with the unread badge and a slot the panel mounts into. Fixed
// positioning takes no room on the page, so showing it shifts nothing.
import type { Translator } from "../i18n";

const CHAT_ICON = '<path d="M4 5.5A2.5 2.5 0 016.5 3h11A2.5 2.5 0 0120 5.5v8a2.5 2.5 0 01-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 014 13.5z" fill="currentColor"/>';
const CLOSE_ICON = '<path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>';

// The panel's components use these variables and rules too: they live in the same shadow root.
const STYLE = `
.parley{--accent:#1f6feb;--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#e3e6ea;--bubble:#f1f3f5;position:fixed;right:20px;bottom:20px;z-index:2147483000;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);display:flex;flex-direction:column;align-items:flex-end;gap:12px;text-align:left}
@media (prefers-color-scheme:dark){.parley{--bg:#16191d;--fg:#e8eaed;--muted:#a0a8b3;--line:#2c3137;--bubble:#23272d}}
.parley *{box-sizing:border-box}
.parley button{font:inherit;cursor:pointer}
.parley :focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.parley .away{margin:0;padding:8px 10px;border-radius:8px;background:var(--bubble);font-size:13px;color:var(--muted)}
.parley .primary{padding:12px;border:0;border-radius:10px;background:var(--accent);color:#fff;font-weight:600}
.launcher{position:relative;width:56px;height:56px;border:0;border-radius:50%;background:var(--accent);color:#fff;display:grid;place-items:center;box-shadow:0 4px 16px rgb(0 0 0/.25);transition:transform .15s ease}
.launcher:hover{transform:scale(1.05)}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;font-weight:600;line-height:20px}
@media (max-width:480px){.open .launcher{display:none}}
@media (prefers-reduced-motion:reduce){.parley *{transition:none!important;animation:none!important}}`;

export type Launcher = ReturnType<typeof createLauncher>;

export function createLauncher(handlers: { toggle(): void; prefetch(): void }) {
  const host = document.createElement("div");
  host.id = "parley-widget";
  // Inline !important outranks any store stylesheet, and `all: initial` stops inherited styles at the host.
  host.style.cssText = "all: initial !important; display: block !important;";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `<style>${STYLE}</style><div class="parley"><div></div><button class="launcher" data-parley="launcher" aria-expanded="false"><svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"></svg><span class="badge" data-parley="unread" aria-hidden="true"></span></button></div>`;
  const frame = root.querySelector<HTMLElement>(".parley")!;
  const slot = frame.firstElementChild as HTMLElement;
  const button = frame.querySelector<HTMLButtonElement>(".launcher")!;
  // Out of the page until there is something to offer: a store's scripts and tests see no launcher.
  frame.remove();
  const icon = button.querySelector("svg")!;
  const badge = button.querySelector<HTMLElement>(".badge")!;
  button.addEventListener("click", handlers.toggle);
  button.addEventListener("pointerenter", handlers.prefetch);
  button.addEventListener("focus", handlers.prefetch);
  document.body.appendChild(host);

  let t: Translator | null = null;
  let open = false;
  let unread = 0;

  function render(): void {
    if (!t) return;
    icon.innerHTML = open ? CLOSE_ICON : CHAT_ICON;
    button.setAttribute("aria-expanded", String(open));
    const label = open ? t.text.closeChat : unread > 0 ? `${t.text.openChat}, ${t.count(t.text.newMessages, unread)}` : t.text.openChat;
    button.setAttribute("aria-label", label);
    badge.textContent = String(unread);
    if (open || unread === 0) badge.remove();
    else button.append(badge);
    frame.classList.toggle("open", open);
  }

  return {
    /** Where the panel mounts. */
    slot,
    show(translator: Translator | null): void {
      t = translator;
      if (!translator) return frame.remove();
      frame.lang = translator.locale;
      render();
      root.append(frame);
    },
    setOpen(value: boolean): void {
      open = value;
      render();
    },
    setUnread(count: number): void {
      unread = count;
      render();
    },
    focus: () => button.focus(),
  };
}
