// The tests' side of the local wire services (wire-services.ts): what a test can queue, what the
// server records, and a handle scoped to one test file so parallel files never see each
// other's requests. Runs inside workerd: plain fetch only.
import { inject } from "vitest";
import { twilioSignature } from "../../scripts/twilio-wire.mjs";

export { twilioSignature };

export type Service = "zendesk" | "gorgias" | "openai" | "twilio";

/** What the server does with the next request(s) to a service instead of its normal answer. */
export type QueuedReply = { times?: number } & (
  | { kind: "fail"; status: number; retryAfter?: string }
  /** Never answers; the request ends only when the client gives up. */
  | { kind: "hang" }
  | { kind: "raw"; status: number; body: string }
  /** OpenAI only: a well-formed completion whose message content is this. */
  | { kind: "content"; content: string }
);

export type RecordedRequest = { service: Service; method: string; path: string; headers: Record<string, string>; body: string };

export type WireCredentials = {
  zendesk: { email: string; apiToken: string };
  gorgias: { email: string; apiKey: string };
  openai: { apiKey: string };
  twilio: { accountSid: string; authToken: string };
};

declare module "vitest" {
  export interface ProvidedContext {
    wireServices: { url: string; credentials: WireCredentials };
  }
}

export function wireScope(scope = crypto.randomUUID()) {
  const { url, credentials } = inject("wireServices");
  const control = `${url}/control/${scope}`;
  const root = `${url}/${scope}`;
  return {
    credentials,
    baseUrl: { zendesk: `${root}/zendesk`, gorgias: `${root}/gorgias`, openai: `${root}/openai/v1`, twilio: `${root}/twilio` } satisfies Record<
      Service,
      string
    >,
    /** Inbound MMS media as Twilio serves it: photo.png, notes.txt, fake.jpg (no jpeg inside), huge.png (over 10 MiB). */
    twilioMedia: (name: string) => `${root}/twilio/media/${name}`,
    async queue(service: Service, ...replies: QueuedReply[]) {
      const response = await fetch(`${control}/queue/${service}`, { method: "POST", body: JSON.stringify(replies) });
      if (!response.ok) throw new Error(`queueing failed: ${response.status} ${await response.text()}`);
    },
    async requests(service?: Service): Promise<RecordedRequest[]> {
      const all = (await (await fetch(`${control}/requests`)).json()) as RecordedRequest[];
      return service ? all.filter((request) => request.service === service) : all;
    },
    /** Forgets this scope's recordings and unused queued replies. */
    async reset() {
      await fetch(control, { method: "DELETE" });
    },
  };
}

/** A Twilio webhook (inbound message or status callback) to `url`, form-encoded and signed with `authToken`. */
export async function signedTwilioRequest(url: string, params: Record<string, string>, authToken: string): Promise<Request> {
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": await twilioSignature(authToken, url, params) },
    body: new URLSearchParams(params),
  });
}
