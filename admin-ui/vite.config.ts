import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";
import { sizeBudget } from "../scripts/size-budget.ts";

/**
 * The inbox's first load (JavaScript and CSS, gzipped) may not pass this. The goal is at most
 * 60 KB with search, notes and labels (issue 17); the budget sits just above today's size, so
 * that growth is a decision, not an accident. 46 → 47 KiB: the AI's suggestions in the thread
 * and the knowledge's translations in Settings. 47 → 48 KiB: labels (the rows' label chips and the
 * list's label filter; the ticket's label picker loads when first opened). 48 → 50 KiB: notes (the
 * composer's Note toggle and @-mention picker, notes in the thread, the Mentions view; about 2 KiB).
 * 50 → 52 KiB: search (the header's search box with its results and snippets, `/` to focus it,
 * the thread's scroll to a found message; about 1 KiB).
 */
const FIRST_LOAD_BUDGET_BYTES = 52 * 1024;

// The inbox is the Worker's static site: built into dist/, served at /.
export default defineConfig({
  root: "admin-ui",
  plugins: [svelte(), sizeBudget("inbox", FIRST_LOAD_BUDGET_BYTES)],
  build: { outDir: "../dist", emptyOutDir: true, target: "es2022" },
});
