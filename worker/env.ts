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
   * Optional bindings and secrets, absent from wrangler.toml on purpose: the Workers AI binding
   * (no local mode; add `[ai] binding = "AI"` when deploying) and the fallback keys of the AI
   * agent's outside services (`wrangler secret put OPENAI_API_KEY`, and so on).
   */
  interface Env {
    AI?: Ai;
    OPENAI_API_KEY?: string;
    ZENDESK_API_TOKEN?: string;
    GORGIAS_API_KEY?: string;
  }
}
