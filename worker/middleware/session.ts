import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import { SessionToken } from "../session-token";

export type SessionVariables = { session: SessionToken };

/**
 * Reads the request's `X-Session` token (a new session when there is none),
 * lets handlers record what the request wrote and read, and answers with the
 * updated token on every response, so a client only has to send back what
 * it was last given.
 */
export function sessionTracker() {
  return createMiddleware<{ Variables: SessionVariables }>(async function trackSession(c, next) {
    let session: SessionToken;
    try {
      session = SessionToken.parse(c.req.header("X-Session")?.trim());
    } catch (error) {
      throw new ApiError(400, "invalid_session", `X-Session is not a session token: ${(error as Error).message}`);
    }
    c.set("session", session);
    await next();
    c.res.headers.set("X-Session", session.toString());
  });
}
