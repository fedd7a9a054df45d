// The contract's limits, apart from the schemas so that the browser apps can import them
// without pulling zod into their bundles.
export const MAX_BODY_CHARS = 4000;
/** A CSAT rating's optional comment. */
export const MAX_RATING_COMMENT_CHARS = 1_000;
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** New tickets one customer may open per hour (spec v2); the team's new-ticket email per customer at most this often. */
export const MAX_NEW_TICKETS_PER_HOUR = 10;
export const NEW_TICKET_EMAIL_INTERVAL_MS = 10 * 60 * 1000;
