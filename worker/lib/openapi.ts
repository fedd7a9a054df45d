// Shared pieces of route definitions: the error responses and security requirements.
import { ErrorBody } from "../../contract";

const error = (description: string) => ({ content: { "application/json": { schema: ErrorBody } }, description });

export const errors = {
  400: error("Malformed JSON or a field that fails validation (`invalid_request`)."),
  401: error("No valid credentials (`unauthorized`)."),
  403: error("Not allowed (`forbidden`, `login_required`, `chat_disabled`)."),
  404: error("No such resource (`not_found`)."),
  409: error("The ticket is closed (`conversation_closed`) or the resource exists (`already_exists`)."),
  413: error("Too large (`too_large`)."),
  415: error("Unsupported media type (`unsupported_media_type`)."),
  429: error("Too many requests (`rate_limited`); see `Retry-After`."),
  500: error("Parley could not finish it now (`internal_error`); the message says whether to send it again."),
} as const;

export const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });

export const agentAuth = [{ session: [] }];
export const widgetAuth = [{ widgetToken: [] }];
export const apiKeyAuth = [{ apiKey: [] }];

/** A WebSocket upgrade's answers: refusals come before any frame, with the contract's error body. */
export const socketResponses = {
  101: { description: "Switching Protocols: the socket; frames are described in docs/api.md" },
  401: errors[401],
  403: errors[403],
  404: errors[404],
  426: error("Not a WebSocket upgrade (`invalid_request`)."),
};

/** A required JSON request body: a request without one fails validation instead of passing as {}. */
export const jsonBody = <T>(schema: T, description: string) => ({ ...json(schema, description), required: true });
