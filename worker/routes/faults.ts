import { Hono } from "hono";
import { NO_FAULTS, parseFaults, type Faults } from "../../durable-objects/geo-sim/faults";
import { ApiError, methodNotAllowed } from "../errors";
import { callObject } from "../object-call";
import { jsonBody } from "../validation/json-body";

/**
 * `/v1/admin/faults`: the geo simulation's injected faults — read (GET),
 * replace (PUT, JSON), lift (DELETE). Absent (404) unless `GEO_SIM` is on.
 */
export const faults = new Hono<{ Bindings: Env }>();

faults.use("/admin/faults", async function requireGeoSim(c, next) {
  if (c.env.GEO_SIM !== "on") throw new ApiError(404, "not_found", "fault injection exists only in the geo simulation (GEO_SIM=on)");
  await next();
});

const control = (env: Env) => env.SIM_CONTROL.get(env.SIM_CONTROL.idFromName("faults"));

const faultsBody = jsonBody(16 * 1024, (body): Faults => {
  try {
    return parseFaults(body);
  } catch (error) {
    throw new ApiError(400, "invalid_body", (error as Error).message);
  }
});

faults.get("/admin/faults", async (c) => c.json(await callObject(() => control(c.env).faults() as Promise<Faults>, { idempotent: true })));
faults.put("/admin/faults", faultsBody, async (c) => {
  const given = c.req.valid("header");
  return c.json(await callObject(() => control(c.env).setFaults(given) as Promise<Faults>, { idempotent: true }));
});
faults.delete("/admin/faults", async (c) =>
  c.json(await callObject(() => control(c.env).setFaults(NO_FAULTS) as Promise<Faults>, { idempotent: true })),
);
faults.all("/admin/faults", methodNotAllowed(["GET", "PUT", "DELETE"]));
