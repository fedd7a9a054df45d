// The widget's state, in one place.
import type { WidgetConfigT } from "../../worker/contract";

type Boot = { customer?: { id: string; email?: string; name?: string }; userHash?: string };

class WidgetState {
  open = $state(false);
  config = $state<WidgetConfigT | null>(null);
  identified = $state(false);
  token: string | null = null;

  async boot(base: string, options: Boot = {}) {
    const [config, session] = await Promise.all([
      fetch(`${base}/api/widget/config`).then((r) => r.json() as Promise<WidgetConfigT>),
      fetch(`${base}/api/widget/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(options.customer ? { customer: options.customer, userHash: options.userHash } : {}),
      }).then((r) => (r.ok ? (r.json() as Promise<{ token: string; profileId: string | null }>) : null)),
    ]);
    this.config = config;
    this.token = session?.token ?? null;
    this.identified = !!session?.profileId;
  }

  shutdown() {
    this.token = null;
    this.identified = false;
    this.open = false;
  }
}

export const widget = new WidgetState();
