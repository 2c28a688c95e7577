// Settings that wrangler.toml does not carry, so `wrangler types` does not list them:
// they are given only where they apply (`npm run dev`, tests, `--var`, secrets).
declare namespace Cloudflare {
  interface Env {
    /** "on" turns the geo simulation on; never set in production. */
    GEO_SIM?: string;
    /** A JSON latency matrix (round trips in ms) for the geo simulation. */
    GEO_SIM_MATRIX?: string;
    /** The geo simulation's jitter, a fraction of each delay. */
    GEO_SIM_JITTER?: string;
    /**
     * The tokens the service accepts, a secret (`wrangler secret put`, or
     * `.dev.vars` locally): a JSON array of `{"token","scope","namespace"}`.
     */
    GEOCACHE_TOKENS?: string;
    /** A scope (read, write or admin) granted to requests without a token; `npm run dev` sets it, production never does. */
    ANONYMOUS_ACCESS?: string;
  }
}
