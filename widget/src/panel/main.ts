// The chat panel, loaded by widget.js when it is needed: FAQs, the chat, the composer. It mounts
// into the launcher's shadow root and answers to the loader through the PanelContext.
import { mount, unmount } from "svelte";
import Widget from "../components/Widget.svelte";
import type { PanelContext, PanelHandle } from "../shell";
import { WidgetStore } from "../store.svelte";

export function mountPanel(context: PanelContext): PanelHandle {
  const store = new WidgetStore(context);
  const component = mount(Widget, { target: context.target, props: { store, onunread: context.onUnread, onclose: context.onClose } });
  const markRead = () => store.markRead();
  const deliver = () => void store.deliver();
  document.addEventListener("visibilitychange", markRead);
  addEventListener("online", deliver);
  return {
    setOpen: (open) => store.setOpen(open),
    destroy() {
      document.removeEventListener("visibilitychange", markRead);
      removeEventListener("online", deliver);
      store.stop();
      void unmount(component);
    },
  };
}
