// The tests' side of the local webhook receiver (webhook-receiver.ts): what a test can queue,
// what the receiver recorded, and a handle scoped to one test file. Runs inside workerd.
import { inject } from "vitest";

/** What the receiver answers the next request(s) instead of 200. */
export type ReceiverReply = { times?: number } & ({ status: number; headers?: Record<string, string> } | { hang: true });

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The receiver's own check of X-Parley-Signature (docs' Node.js recipe); null before a secret was given. */
  verified: boolean | null;
};

declare module "vitest" {
  export interface ProvidedContext {
    webhookReceiver: { url: string };
  }
}

export function receiverScope(scope = crypto.randomUUID()) {
  const { url } = inject("webhookReceiver");
  const control = `${url}/control/${scope}`;
  const ok = async (response: Response) => {
    if (!response.ok) throw new Error(`receiver control failed: ${response.status} ${await response.text()}`);
  };
  return {
    /** An address in this scope for an endpoint to register. */
    url: (path = "/hook") => `${url}/${scope}${path}`,
    async reply(...replies: ReceiverReply[]) {
      await ok(await fetch(`${control}/replies`, { method: "POST", body: JSON.stringify(replies) }));
    },
    /** From now on the receiver verifies each signature with this secret. */
    async verifyWith(secret: string) {
      await ok(await fetch(`${control}/secret`, { method: "PUT", body: JSON.stringify({ secret }) }));
    },
    async requests(path?: string): Promise<ReceivedRequest[]> {
      const all = (await (await fetch(`${control}/requests`)).json()) as ReceivedRequest[];
      return path ? all.filter((request) => request.path === path) : all;
    },
    async reset() {
      await ok(await fetch(control, { method: "DELETE" }));
    },
  };
}
