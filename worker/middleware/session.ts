import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import { SessionToken } from "../session-token";

export type SessionVariables = {
  session: SessionToken;
  /** Why the request's `X-Session` is not a session token, or null when it is one (or absent). */
  sessionProblem: string | null;
};

/**
 * Reads the request's `X-Session` token (a new session when there is none),
 * lets handlers record what the request wrote and read, and answers with the
 * updated token on every response — refusals of access control and rate
 * limits too, which is why it runs before them — so a client only has to
 * send back what it was last given. A malformed token is not refused here,
 * so that access control still answers first: {@link requireValidSession}
 * refuses it, and its answer carries no token, since the client's own is
 * the one to mend.
 *
 * @example
 * app.use("/v1/*", sessionTracker());
 * app.use("/v1/*", authenticate());
 * app.use("/v1/*", requireValidSession());
 */
export function sessionTracker() {
  return createMiddleware<{ Variables: SessionVariables }>(async function trackSession(c, next) {
    let session: SessionToken | null = null;
    let problem: string | null = null;
    try {
      session = SessionToken.parse(c.req.header("X-Session")?.trim());
    } catch (error) {
      problem = (error as Error).message;
    }
    c.set("session", session ?? new SessionToken());
    c.set("sessionProblem", problem);
    await next();
    if (session) c.res.headers.set("X-Session", session.toString());
  });
}

/** Refuses with 400 `invalid_session` a request whose `X-Session` {@link sessionTracker} could not read. */
export function requireValidSession() {
  return createMiddleware<{ Variables: SessionVariables }>(function requireValidSession(c, next) {
    const problem = c.get("sessionProblem");
    if (problem) throw new ApiError(400, "invalid_session", `X-Session is not a session token: ${problem}`);
    return next();
  });
}
