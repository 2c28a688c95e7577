import { validator } from "hono/validator";
import { isConsistency, CONSISTENCY_MODES, type Consistency } from "../consistency";
import { ApiError } from "../errors";
import { settingsFor } from "../settings";

/**
 * Validates the read mode: `X-Consistency` or `?consistency=`, else the
 * deployment's default. Naming two different modes at once is an error, not
 * a silent choice of one.
 */
export const consistencyQuery = validator("query", (query, c): { consistency: Consistency } => {
  const fromHeader = c.req.header("X-Consistency")?.trim().toLowerCase();
  const fromQueryRaw = query.consistency;
  const fromQuery = (Array.isArray(fromQueryRaw) ? fromQueryRaw[0] : fromQueryRaw)?.trim().toLowerCase();
  for (const value of [fromHeader, fromQuery]) {
    if (value !== undefined && !isConsistency(value)) {
      throw new ApiError(
        400,
        "invalid_consistency",
        `unknown read mode "${value}": use one of ${CONSISTENCY_MODES.join(", ")}`,
      );
    }
  }
  if (fromHeader && fromQuery && fromHeader !== fromQuery) {
    throw new ApiError(
      400,
      "invalid_consistency",
      `X-Consistency says "${fromHeader}" but ?consistency= says "${fromQuery}"`,
    );
  }
  const chosen = (fromHeader || fromQuery || settingsFor(c.env).defaultConsistency) as Consistency;
  return { consistency: chosen };
});
