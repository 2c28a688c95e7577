import { app } from "./app";

export { KeyPrimary, RegionReplica } from "../durable-objects";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
