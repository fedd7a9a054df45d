// The local secrets `npm start` writes to .dev.vars, for the scripts, benchmarks and tests that
// sign in to a local Parley or sign as its store.
import { readFileSync } from "node:fs";

/** The variables in `file` (values quoted or not); it must name each of `required`. */
export function devVars(file = ".dev.vars", required = ["IDENTITY_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"]) {
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (!m) continue;
    let value = m[2];
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    vars[m[1]] = value;
  }
  for (const name of required) if (!vars[name]) throw new Error(`${file} has no ${name}`);
  return vars;
}
