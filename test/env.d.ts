// Bindings that exist only under the Workers vitest integration (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    SIM_ORIGIN: string;
    READ_LIMITER_TEST: RateLimit;
  }
}
