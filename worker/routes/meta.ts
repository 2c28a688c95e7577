import { Hono } from "hono";
import { methodNotAllowed } from "../errors";
import type { RegionVariables } from "../middleware/region";
import { settingsFor } from "../settings";

/** `/v1/health` and `/v1/regions`: what a client or a load balancer asks first. */
export const meta = new Hono<{ Bindings: Env; Variables: RegionVariables }>();

meta.get("/health", (c) => c.json({ status: "ok", region: c.get("region"), time: Date.now() }));
meta.all("/health", methodNotAllowed(["GET", "HEAD"]));

meta.get("/regions", (c) => c.json({ regions: settingsFor(c.env).placement.regions, nearest: c.get("region") }));
meta.all("/regions", methodNotAllowed(["GET", "HEAD"]));
