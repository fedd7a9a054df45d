// The storefront entry: takes over the `Parley(...)` queue the page set up, and mounts the
// widget inside a shadow root so the store's CSS and ours never meet.
import { mount } from "svelte";
import Widget from "./components/Widget.svelte";
import { WidgetStore, type BootOptions } from "./store.svelte";

type Queued = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };

const script = document.currentScript as HTMLScriptElement | null;
const store = new WidgetStore(script?.src ? new URL(script.src).origin : location.origin);

const host = document.createElement("div");
host.id = "parley-widget";
// Inline !important outranks any store stylesheet, and `all: initial` stops inherited styles at the host.
host.style.cssText = "all: initial !important; display: block !important;";
document.body.appendChild(host);
mount(Widget, { target: host.attachShadow({ mode: "open" }), props: { store } });

function run(command: unknown, options?: unknown) {
  if (command === "boot") void store.boot((options ?? {}) as BootOptions).catch((error) => console.warn("Parley: boot failed", error));
  else if (command === "open") store.setOpen(true);
  else if (command === "close") store.setOpen(false);
  else if (command === "shutdown") store.shutdown();
  else console.warn(`Parley: unknown command ${String(command)}`);
}

const w = window as unknown as { Parley?: Queued };
const queued = w.Parley?.q ?? [];
w.Parley = (command: unknown, options?: unknown) => run(command, options);
for (const call of queued) run(call[0], call[1]);
if (!queued.length) void store.boot().catch((error) => console.warn("Parley: boot failed", error));

document.addEventListener("visibilitychange", () => store.markRead());
addEventListener("online", () => void store.deliver());
dispatchEvent(new CustomEvent("parley:ready"));
