// The demo stack on free ports for the worker and browser tests: a real registry (temp
// storage), seeded, and the gateway in workerd (Miniflare) in front of it. `stop()` tears down
// whatever started, and is safe to call from `after()` when `start` failed half way.
import { startGateway } from "../worker/gateway.mjs";
import { startRegistry } from "../scripts/registry.mjs";
import { seed } from "../scripts/seed.mjs";

export async function startStack() {
  const stack = { registry: null, gateway: null, seeded: null };
  stack.stop = async () => {
    const errors = [];
    for (const part of [stack.gateway, stack.registry]) {
      try {
        await part?.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  };
  try {
    stack.registry = await startRegistry();
    stack.seeded = await seed(stack.registry.url);
    stack.gateway = await startGateway({ upstream: stack.registry.url });
  } catch (err) {
    await stack.stop().catch(() => {});
    throw err;
  }
  return stack;
}
