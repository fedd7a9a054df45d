// The house rules as tools: typescript-eslint and eslint-plugin-svelte for the code, and the
// layering of the folders as import rules (prettier keeps the formatting: `npm run lint`).
import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import tseslint from "typescript-eslint";

/** What browser code may import: types from the contract (its zod-free modules as values), and the shared client. */
const browserImports = {
  patterns: [
    {
      group: ["**/worker/**", "**/durable-objects/**", "zod", "@hono/*", "hono", "hono/*", "drizzle-orm", "drizzle-orm/*"],
      message: "Browser code imports only the contract and the shared client (client/).",
    },
    {
      regex: "(^|/)contract(/(index|models|frames|[a-z]+-api))?$",
      allowTypeImports: true,
      message: "The contract's schemas pull zod into the bundle: import their types (import type), or values from contract/limits, text or sms.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".wrangler/", "worker/worker-configuration.d.ts", "bench/results/", "migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs["flat/recommended"],
  {
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.es2024 } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      eqeqeq: ["error", "always", { null: "ignore" }],
      // It flags every Map, Set and Date in a .svelte.ts file, also private memos and local
      // temporaries; the stores' reactive state is $state by design.
      "svelte/prefer-svelte-reactivity": "off",
      // Global declarations (the runtime's Env) merge into namespaces.
      "@typescript-eslint/no-namespace": ["error", { allowDeclarations: true }],
    },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: [".svelte"] }, globals: { ...globals.browser } },
  },
  {
    // Node scripts and tests; the functions they hand to Chromium run in the page.
    files: ["scripts/**", "bench/**", "test/e2e/**", "test/node/**", "*.config.{js,ts}", "vitest.config.ts"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The routes speak HTTP; D1's tables are worker/lib's business.
    files: ["worker/routes/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/db/schema"], message: "Routes read and write D1 through worker/lib, not its schema." }] },
      ],
    },
  },
  {
    // The Worker's code reaches the objects only through their RPC types.
    files: ["worker/lib/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "durable-objects/(?!conversation/rpc$)", message: "worker/lib imports only the objects' RPC module (durable-objects/conversation/rpc)." },
          ],
        },
      ],
    },
  },
  {
    files: ["widget/src/**", "admin-ui/src/**", "client/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: { "@typescript-eslint/no-restricted-imports": ["error", browserImports] },
  },
  {
    // Each app keeps to itself; what both need is in client/.
    files: ["widget/src/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [...browserImports.patterns, { group: ["**/admin-ui/**"], message: "The widget does not import the inbox." }] },
      ],
    },
  },
  {
    files: ["admin-ui/src/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [...browserImports.patterns, { group: ["**/widget/src/**"], message: "The inbox does not import the widget: shared code is in client/." }],
        },
      ],
    },
  },
);
