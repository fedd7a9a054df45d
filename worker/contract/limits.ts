// The contract's limits, apart from the schemas so that the browser apps can import them
// without pulling zod into their bundles.
export const MAX_BODY_CHARS = 4000;
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
