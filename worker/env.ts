import type { AgentT } from "./contract";
import type { SettingsT } from "./contract";

/** Who a widget token speaks for: an identified customer, or an anonymous visitor (FAQs only). */
export type WidgetIdentity =
  | { kind: "customer"; profileId: string; externalId: string; name: string | null; expiresAt: number }
  | { kind: "anonymous"; expiresAt: number };

/** The signed-in agent, with the session (its token's hash) the request came with. */
export type AgentSession = AgentT & { session: string; sessionExpiresAt: number };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    agent: AgentSession;
    widget: WidgetIdentity;
    settings: SettingsT;
  };
};

declare global {
  /**
   * An optional binding, absent from wrangler.toml on purpose: Workers AI has no local mode, so
   * `[ai] binding = "AI"` is added when deploying with it.
   */
  interface Env {
    AI?: Ai;
  }
}
