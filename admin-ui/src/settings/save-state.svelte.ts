// One form's round trip to the server. The server is the only validator: its `400
// invalid_request` names the field ("links.privacy: must be an http(s) URL"), and the form
// shows the message beside that field.
import { ApiError, fieldError } from "../lib/api";

export class SaveState {
  busy = $state(false);
  /** True from a successful save until the next edit, so "Saved" never describes newer input. */
  saved = $state(false);
  /** Messages by the field path the server named, such as `allowedOrigins.0`. */
  errors = $state<Record<string, string>>({});
  /** A failure that names no field: no connection, a conflict, a refused permission. */
  problem = $state("");

  /** `conflictField`: the field a `409` is about, such as the email of an agent who already exists. */
  constructor(private readonly conflictField = "") {}

  /** Runs the save; true when it went through. */
  async run(save: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.saved = false;
    this.errors = {};
    this.problem = "";
    try {
      await save();
      this.saved = true;
      return true;
    } catch (error) {
      const { field, message } =
        error instanceof ApiError && error.status === 409 && this.conflictField ? { field: this.conflictField, message: error.message } : fieldError(error);
      if (field) this.errors = { [field]: message };
      else this.problem = message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  edited(): void {
    this.saved = false;
  }

  /** Forgets errors at or under `path`: after a list item is removed, the indices they name are stale. */
  forget(path: string): void {
    this.errors = Object.fromEntries(Object.entries(this.errors).filter(([field]) => field !== path && !field.startsWith(`${path}.`)));
  }
}
