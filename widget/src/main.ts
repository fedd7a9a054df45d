// The storefront entry: takes over the `Parley(...)` queue the page set up, and mounts the
// widget inside a shadow root so the store's CSS and ours never meet.
import { mount } from "svelte";
import Widget from "./Widget.svelte";
import { widget } from "./state.svelte";

type Call = [command: string, ...args: unknown[]];
type Queued = ((...args: unknown[]) => void) & { q?: IArguments[] };

const script = document.currentScript as HTMLScriptElement | null;
const base = script ? new URL(script.src).origin : location.origin;

const host = document.createElement("div");
host.id = "parley-widget";
document.body.appendChild(host);
mount(Widget, { target: host.attachShadow({ mode: "open" }), props: { base } });

function run([command, ...args]: Call) {
  if (command === "boot") widget.boot(base, args[0] as Parameters<typeof widget.boot>[1]);
  else if (command === "open") widget.open = true;
  else if (command === "close") widget.open = false;
  else if (command === "shutdown") widget.shutdown();
}

const w = window as unknown as { Parley?: Queued };
const queued = w.Parley?.q ?? [];
w.Parley = ((...args: unknown[]) => run(args as Call)) as Queued;
for (const call of queued) run([...call] as Call);
window.dispatchEvent(new CustomEvent("parley:ready"));
