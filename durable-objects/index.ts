export { KeyPrimary, type PrimaryRead, type Revalidation } from "./key-primary";
export { RegionReplica, type ReplicaRead } from "./region-replica";
export type { ConfirmedRecord, KeyRecord, KeyRef } from "./record";
export type { WriteOp, WriteOutcome, WriteRequest } from "./write";
export { RegionStats } from "./stats/region-stats";
export { SimControl } from "./geo-sim/sim-control";
