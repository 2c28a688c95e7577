export { KeyPrimary, type PrimaryRead, type WriteResult } from "./key-primary";
export { RegionReplica, type ReplicaRead } from "./region-replica";
export type { ConfirmedRecord, KeyRecord, KeyRef } from "./record";
