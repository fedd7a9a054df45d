// Who is signed in. A session that ends while the inbox is open (expired, or signed out from
// elsewhere) takes the agent back to sign-in; drafts and unsent messages stay in storage, so
// they are there again after signing back in. Signing out on purpose clears them.
import type { AgentT, MePatchT } from "../../../contract";
import { api, onSessionEnded } from "./api";
import { saved, tabStore } from "./storage";

class Session {
  agent = $state<AgentT | null>(null);
  /** False until the first /api/me answer: the app shows nothing rather than a flash of sign-in. */
  checked = $state(false);
  /** The session ended under the agent's feet (not by "Sign out"). */
  expired = $state(false);

  constructor() {
    onSessionEnded(() => this.expire());
  }

  get isAdmin(): boolean {
    return this.agent?.role === "admin";
  }

  async check(): Promise<void> {
    try {
      this.agent = await api.me();
    } catch {
      this.agent = null;
    }
    this.checked = true;
  }

  async signIn(email: string, password: string): Promise<void> {
    this.agent = await api.signIn({ email, password });
    this.expired = false;
  }

  /** The agent's own preferences, kept on the server (they follow the agent to any browser). */
  async updatePreferences(patch: MePatchT): Promise<void> {
    this.agent = await api.updateMe(patch);
  }

  /** Signing out on purpose leaves nothing behind on a shared computer: drafts and unsent messages go. */
  async signOut(): Promise<void> {
    await api.signOut().catch(() => undefined);
    saved.clearAll("draft:");
    tabStore.clearAll("outbox:");
    this.agent = null;
    this.expired = false;
  }

  expire(): void {
    if (!this.agent) return;
    this.agent = null;
    this.expired = true;
  }
}

export const session = new Session();
