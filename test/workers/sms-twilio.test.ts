// Twilio's wire format, against the local stand-in that speaks it (wire-services.ts): the
// signature of its webhooks, its message statuses, the carrier keywords and segments, and the
// Messages API client with its errors.
import { describe, expect, it } from "vitest";
import { smsKeyword, smsSegments } from "../../contract";
import { DeliveryError } from "../../worker/lib/outbound";
import { deliveryStatusOf, sendTwilioMessage, verifyTwilioSignature } from "../../worker/lib/sms/twilio";
import { BASE } from "./helpers";
import { accountSid, authToken, config, newSid, queueUnsubscribedRefusal, STORE_NUMBER, wire } from "./sms-fixtures";
import { twilioSignature } from "./wire-control";

describe("Twilio's wire format", () => {
  it("verifies X-Twilio-Signature as Twilio documents it", async () => {
    // The example of Twilio's "Webhooks security" page: this URL, these parameters, token 12345.
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = new URLSearchParams({ CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" });
    expect(await verifyTwilioSignature("12345", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(true);

    const tampered = new URLSearchParams(params);
    tampered.set("Digits", "1235");
    expect(await verifyTwilioSignature("12345", url, tampered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("12345", url.replace("bar=2", "bar=3"), params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("54321", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, null)).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, "not base64 at all!")).toBe(false);
    expect(await verifyTwilioSignature("12345", url, params, "")).toBe(false);
  });

  it("agrees with the test side's signer for any parameter order", async () => {
    const params = { Body: "héllo & <you>", From: "+15551230000", MessageSid: newSid(), AccountSid: accountSid, NumMedia: "0" };
    const url = `${BASE}/api/sms/twilio?x=1`;
    const signature = await twilioSignature(authToken, url, params);
    const reversed = new URLSearchParams(Object.entries(params).reverse());
    expect(await verifyTwilioSignature(authToken, url, reversed, signature)).toBe(true);
  });

  it("maps Twilio's message statuses onto delivery statuses", () => {
    // Twilio's documented MessageStatus values, grouped by what the customer's phone has seen.
    const byOutcome = {
      queued: ["accepted", "scheduled", "queued", "sending"],
      sent: ["sent"],
      delivered: ["delivered", "read"],
      failed: ["failed", "undelivered", "canceled"],
    };
    for (const [outcome, statuses] of Object.entries(byOutcome)) {
      for (const status of statuses) expect(deliveryStatusOf(status), status).toBe(outcome);
    }
    // Inbound-only statuses, and names that are no status at all.
    for (const other of ["receiving", "received", "toString", "DELIVERED", ""]) expect(deliveryStatusOf(other), other).toBeNull();
  });

  it("recognises the carrier keywords alone in a text, and counts segments as carriers split them", () => {
    expect(["STOP", " stop ", "Unsubscribe", "quit.", "START", "unstop", "HELP", "info!"].map(smsKeyword)).toEqual([
      "stop",
      "stop",
      "stop",
      "stop",
      "start",
      "start",
      "help",
      "help",
    ]);
    expect(["stop sending me these", "help me with my order", ""].map(smsKeyword)).toEqual([null, null, null]);
    expect(smsSegments("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsSegments("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2, perSegment: 153 });
    expect(smsSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments(`${"a".repeat(69)}😀`)).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2 });
  });

  it("sends a text with the Messages API: form-encoded, from the store's number, with basic auth", async () => {
    await wire.reset();
    const sent = await sendTwilioMessage(config(), {
      to: "+15551234567",
      body: "Your order shipped",
      mediaUrls: ["https://shop.test/a.png", "https://shop.test/b.png"],
      statusCallback: `${BASE}/api/sms/twilio/status?ticket=t&seq=1`,
    });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe("queued");
    const [request] = await wire.requests("twilio");
    expect(request!.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${btoa(`${accountSid}:${authToken}`)}`);
    expect(request!.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(request!.body);
    expect(form.get("To")).toBe("+15551234567");
    expect(form.get("From")).toBe(STORE_NUMBER);
    expect(form.get("Body")).toBe("Your order shipped");
    expect(form.getAll("MediaUrl")).toEqual(["https://shop.test/a.png", "https://shop.test/b.png"]);
    expect(form.get("StatusCallback")).toBe(`${BASE}/api/sms/twilio/status?ticket=t&seq=1`);
  });

  it("turns Twilio's refusals into final errors carrying its code and message, never the token", async () => {
    const refused = await sendTwilioMessage(config(), { to: "+1555", body: "hi", mediaUrls: [], statusCallback: null }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeliveryError);
    expect(refused).toMatchObject({ retryable: false, status: 400 });
    expect((refused as Error).message).toContain("21211");
    expect((refused as Error).message).toContain("is not a valid phone number");

    const wrongToken = await sendTwilioMessage(
      { ...config(), authToken: "wrong-token-xyz" },
      { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null },
    ).catch((error: unknown) => error);
    expect(wrongToken).toMatchObject({ retryable: false, status: 401 });
    expect((wrongToken as Error).message).toContain("20003");
    expect((wrongToken as Error).message).not.toContain("wrong-token-xyz");

    await queueUnsubscribedRefusal();
    const unsubscribed = await sendTwilioMessage(config(), { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null }).catch(
      (error: unknown) => error,
    );
    expect((unsubscribed as Error).message).toBe("Twilio answered 400: error 21610: Attempt to send to unsubscribed recipient");
  });

  it("treats Twilio down, rate limiting and silence as worth another try", async () => {
    const message = { to: "+15551234567", body: "hi", mediaUrls: [], statusCallback: null };
    await wire.queue("twilio", { kind: "fail", status: 503 }, { kind: "fail", status: 429, retryAfter: "7" }, { kind: "hang" });
    expect(await sendTwilioMessage(config(), message).catch((error: unknown) => error)).toMatchObject({ retryable: true, status: 503 });
    expect(await sendTwilioMessage(config(), message).catch((error: unknown) => error)).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    const hung = await sendTwilioMessage({ ...config(), timeoutMs: 200 }, message).catch((error: unknown) => error);
    expect(hung).toMatchObject({ retryable: true, message: "Twilio did not answer within 200 ms" });
    expect((await sendTwilioMessage(config(), message)).sid).toMatch(/^SM/);
  });
});
