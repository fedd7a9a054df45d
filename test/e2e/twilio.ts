// Twilio's side of an SMS conversation, on a local port, in Twilio's documented wire format: the
// Messages API that Parley posts replies to (basic auth, a form, a JSON answer), and the signed
// webhooks Twilio posts to Parley (an incoming text, a delivery status callback).
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { base } from "./widget-fixtures";

export type SentText = { sid: string; to: string; body: string; mediaUrls: string[]; statusCallback: string };

/** base64(HMAC-SHA1(auth token, URL + each parameter's name and value, sorted by name)). */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const signed = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).reduce((text, [name, value]) => text + name + value, url);
  return createHmac("sha1", authToken).update(signed).digest("base64");
}

export class LocalTwilio {
  readonly accountSid = `AC${randomBytes(16).toString("hex")}`;
  readonly authToken = randomBytes(16).toString("hex");
  readonly number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  /** Every text Parley had Twilio send, in order. */
  readonly sent: SentText[] = [];
  private server: Server | undefined;
  apiBaseUrl = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const reply = (status: number, json: unknown) => response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json));
        if (request.method !== "POST" || request.url !== `/2010-04-01/Accounts/${this.accountSid}/Messages.json`) return reply(404, { code: 20404, message: "The requested resource was not found", status: 404 });
        const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64")}`;
        if (request.headers.authorization !== expected) return reply(401, { code: 20003, message: "Authenticate", status: 401 });
        const form = new URLSearchParams(body);
        const text: SentText = { sid: `SM${randomBytes(16).toString("hex")}`, to: form.get("To") ?? "", body: form.get("Body") ?? "", mediaUrls: form.getAll("MediaUrl"), statusCallback: form.get("StatusCallback") ?? "" };
        this.sent.push(text);
        reply(201, { sid: text.sid, account_sid: this.accountSid, to: text.to, from: form.get("From"), body: text.body, status: "queued", num_segments: "1" });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.apiBaseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A text from `from` to the store's number, posted to Parley's webhook as Twilio signs it. */
  text(from: string, body: string): Promise<Response> {
    return this.post(`${base()}/api/sms/twilio`, { MessageSid: `SM${randomBytes(16).toString("hex")}`, AccountSid: this.accountSid, From: from, To: this.number, Body: body, NumMedia: "0" });
  }

  /** Twilio's status callback for a text it sent, to the address Parley gave with it. */
  status(text: SentText, status: string, errorCode?: string): Promise<Response> {
    return this.post(text.statusCallback, { MessageSid: text.sid, AccountSid: this.accountSid, MessageStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) });
  }

  private post(url: string, fields: Record<string, string>): Promise<Response> {
    const params = new URLSearchParams(fields);
    return fetch(url, { method: "POST", body: params, headers: { "X-Twilio-Signature": twilioSignature(this.authToken, url, params) } });
  }
}
