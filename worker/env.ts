import type { AgentT, SettingsT } from "../contract";
import type { TwilioConfig } from "./lib/sms/twilio";

/** Who a widget token speaks for: an identified customer, or an anonymous visitor (FAQs only). */
export type WidgetIdentity =
  { kind: "customer"; profileId: string; externalId: string; name: string | null; expiresAt: number } | { kind: "anonymous"; expiresAt: number };

/** The signed-in agent, with the session (its token's hash) the request came with. */
export type AgentSession = AgentT & { session: string; sessionExpiresAt: number };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    agent: AgentSession;
    widget: WidgetIdentity;
    settings: SettingsT;
    /** Twilio's webhooks: the account they were signed for, and their form as signed. */
    twilio: TwilioConfig;
    twilioParams: URLSearchParams;
  };
};

declare global {
  // Bindings that wrangler.toml leaves out on purpose, so `wrangler types` does not list them:
  // Workers AI has no local mode, and `[ai] binding = "AI"` is added when deploying with it.
  interface Env {
    AI?: Ai;
  }
  namespace Cloudflare {
    interface Env {
      AI?: Ai;
    }
  }
}
