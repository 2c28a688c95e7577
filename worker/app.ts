import { Hono } from "hono";
import { cors } from "hono/cors";
import { handleError, handleNotFound } from "./errors";
import { regionResolver, type RegionVariables } from "./middleware/region";
import { keys } from "./routes/keys";
import { meta } from "./routes/meta";

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
];

/** The geocache HTTP API, version 1. */
export const app = new Hono<{ Bindings: Env; Variables: RegionVariables }>();

app.use("/v1/*", cors({ origin: "*", exposeHeaders: EXPOSED_HEADERS, maxAge: 86_400 }));
app.use("/v1/*", regionResolver());
app.route("/v1", meta);
app.route("/v1", keys);
app.notFound(handleNotFound);
app.onError(handleError);
