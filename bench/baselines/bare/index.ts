import { Hono } from "hono";
import { sizeOf, valueOf } from "../values";

const values = { small: valueOf("small"), large: valueOf("large") };

/** The ceiling of any edge path: a Hono worker answering a constant from the isolate's memory. */
const app = new Hono();
app.get("/value/:size", (c) => {
  c.header("Content-Type", "application/octet-stream");
  return c.body(values[sizeOf(c.req.param("size"))]);
});

export default app;
