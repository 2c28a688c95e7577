/**
 * The read modes a request may ask for:
 * - `strong`: the key's primary answers from its storage (linearizable).
 * - `eventual`: the nearest copy answers, however old.
 */
export const CONSISTENCY_MODES = ["strong", "eventual"] as const;

export type Consistency = (typeof CONSISTENCY_MODES)[number];

export function isConsistency(value: string): value is Consistency {
  return (CONSISTENCY_MODES as readonly string[]).includes(value);
}
