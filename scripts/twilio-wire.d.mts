export function twilioSignature(authToken: string, url: string, params: Record<string, string>): Promise<string>;

export type TwilioReply = { status: number; body: Record<string, unknown> };

export function twilioError(status: number, code: number, message: string): TwilioReply;

export type AcceptedMessage = { sid: string; to: string; from: string; body: string; mediaUrls: string[]; statusCallback: string | null };

export function messagesApi(
  request: { method: string; path: string; authorization: string | undefined; contentType: string | undefined; body: string },
  credentials: { accountSid: string; authToken: string },
): TwilioReply & { message?: AcceptedMessage };
