import { Hono } from "hono";
import { DASHBOARD_HTML } from "./dashboard-page";
import { handleError, handleNotFound, methodNotAllowed } from "./errors";
import { authenticate, refuseTokenInUrl, type AuthVariables } from "./middleware/auth";
import { allowCrossOrigin } from "./middleware/cors";
import { noStore } from "./middleware/no-store";
import { rateLimit } from "./middleware/rate-limit";
import { regionResolver, type RegionVariables } from "./middleware/region";
import { requireValidSession, sessionTracker, type SessionVariables } from "./middleware/session";
import { keys } from "./routes/keys";
import { meta } from "./routes/meta";
import { faults } from "./routes/faults";
import { mget } from "./routes/mget";
import { stats } from "./routes/stats";

/** Headers a browser client may read from answers. */
const EXPOSED_HEADERS = [
  "ETag",
  "Age",
  "Retry-After",
  "X-Version",
  "X-Served-By",
  "X-Region",
  "X-Consistency",
  "X-Staleness-Ms",
  "X-Cache",
  "X-Expires-At",
  "X-Session",
  "Idempotent-Replayed",
];

/** The geocache HTTP API, version 1. */
export const app = new Hono<{ Bindings: Env; Variables: AuthVariables & RegionVariables & SessionVariables }>();

/** Seconds a rate-limited caller is asked to wait: the rate-limiting binding's period (wrangler.toml). */
const RATE_LIMIT_PERIOD_SECONDS = 10;

// First of all, on every path (the health check, preflights and the dashboard's page too).
app.use("*", refuseTokenInUrl());
app.use("/v1/*", allowCrossOrigin({ exposeHeaders: EXPOSED_HEADERS, maxAgeSeconds: 86_400 }));
app.use("/v1/*", noStore());
app.use("/v1/*", sessionTracker());
app.use("/v1/*", authenticate({ publicPaths: ["/v1/health"] }));
app.use("/v1/*", rateLimit({ retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS }));
app.use("/v1/*", regionResolver());
app.use("/v1/*", requireValidSession());
app.route("/v1", meta);
app.route("/v1", keys);
app.route("/v1", mget);
app.route("/v1", stats);
app.route("/v1", faults);
app.get("/dashboard", (c) => c.html(DASHBOARD_HTML));
app.all("/dashboard", methodNotAllowed(["GET", "HEAD"]));
app.notFound(handleNotFound);
app.onError(handleError);
