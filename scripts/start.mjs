// `npm start`: makes sure local secrets exist, builds the inbox and widget, applies D1 migrations
// to the local database under .wrangler/, then serves everything with wrangler dev
// (scripts/local-server.mjs, which the tests and benchmarks start Parley with too), with demo data
// in the local database (scripts/demo-data.mjs: four weeks of closed demo conversations for the
// Reports page; only `npm start` writes it, and only locally).
// PORT (default 8787) is where it serves; PARLEY_STATE_DIR gives it local state of its own.
// Extra arguments go to `wrangler dev` (e.g. `npm start -- --var SEND_RATE_PER_10S:100000`).
import { startParley } from "./local-server.mjs";
import { stopGroupsOnSignals } from "./process-group.mjs";

// wrangler dev runs in a process group of its own: Ctrl-C reaches it through here.
stopGroupsOnSignals(0);
try {
  // Only here: the local demo data (scripts/demo-data.mjs), so that the Reports page has something to show.
  const server = await startParley({
    port: Number(process.env.PORT ?? 8787),
    stateDir: process.env.PARLEY_STATE_DIR,
    args: process.argv.slice(2),
    demoData: true,
  });
  const { code } = await server.exited;
  process.exit(code ?? 1);
} catch (error) {
  console.error(`\n✖ ${error.message}`);
  process.exit(1);
}
