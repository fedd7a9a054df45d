import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll } from "vitest";

// An alarm that fires while Vitest closes a file's environment starts a Durable Object event, and
// every such event loads the Worker through Vitest's module runner. The teardown cuts that call
// off, and workerd prints "EnvironmentTeardownError: Closing rpc while "resolve" was pending" in a
// green run. The file's storage goes with its environment, so once its tests are done its objects'
// alarms are owed to no one: cancel them. An alarm already running may set one again as it
// finishes, so this repeats until a pass finds none (at most MAX_PASSES).
const MAX_PASSES = 5;

/** Cancels the alarm of every object in `namespace`; resolves with whether any was set. */
async function cancelAlarms<T extends Rpc.DurableObjectBranded | undefined>(namespace: DurableObjectNamespace<T>): Promise<boolean> {
  const ids = await listDurableObjectIds(namespace);
  const cancelled = await Promise.all(
    ids.map((id) =>
      runInDurableObject(namespace.get(id), async (_, state) => {
        if ((await state.storage.getAlarm()) === null) return false;
        await state.storage.deleteAlarm();
        return true;
      }),
    ),
  );
  return cancelled.some(Boolean);
}

afterAll(async () => {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const found = await Promise.all([cancelAlarms(env.CONVERSATIONS), cancelAlarms(env.INBOX)]);
    if (!found.some(Boolean)) return;
  }
});
