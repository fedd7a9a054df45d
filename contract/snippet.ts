// The search snippet's marks (contract/search.ts), apart from the schemas so that the inbox can
// import them without pulling zod into its bundle.

/** The marks around each hit in a snippet; everything else in a snippet is HTML-escaped text. */
export const SNIPPET_MARK = { open: "<mark>", close: "</mark>" } as const;
