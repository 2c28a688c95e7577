// Settings that wrangler.toml does not carry, so `wrangler types` does not list them:
// they are given only where they apply (`npm run dev:geo`, tests, `--var`).
declare namespace Cloudflare {
  interface Env {
    /** "on" turns the geo simulation on; never set in production. */
    GEO_SIM?: string;
    /** A JSON latency matrix (round trips in ms) for the geo simulation. */
    GEO_SIM_MATRIX?: string;
    /** The geo simulation's jitter, a fraction of each delay. */
    GEO_SIM_JITTER?: string;
  }
}
