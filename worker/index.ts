import { app } from "./app";

export { KeyPrimary, RegionReplica, RegionStats, SimControl } from "../durable-objects";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
