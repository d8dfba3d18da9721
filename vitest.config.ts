import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run inside workerd. A Kalshi simulator runs in this Node process (test/global-setup.ts)
// and its address reaches the Worker through bindings, exactly as `npm start` wires it.
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const simOrigin = inject<string>("simOrigin");
      return {
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // The tests run with READ_RATE_LIMIT "off" (below) so none is throttled or slowed by the
          // limiter; the limit itself is tested through READ_LIMITER_TEST, a binding of the same kind
          // as wrangler.toml's READ_LIMITER (test/api/rate-limit.test.ts).
          ratelimits: { READ_LIMITER_TEST: { namespace_id: "1002", simple: { limit: 5, period: 10 } } },
          bindings: {
            READ_RATE_LIMIT: "off",
            TEST_MIGRATIONS: await readD1Migrations("./migrations"),
            SIM_ORIGIN: simOrigin,
            KALSHI_BASE_URL: `${simOrigin}/trade-api/v2`,
            KALSHI_WS_URL: `${simOrigin.replace(/^http/, "ws")}/trade-api/ws/v2`,
            SSMD_ADMIN_TOKEN: "test-admin-token",
          },
        },
      };
    }),
  ],
  // workerd's node:util lacks parseArgs, which the CLI uses: its tests get it from test/cli/node-util.ts.
  resolve: {
    alias: [
      { find: /^node:util$/, replacement: fileURLToPath(new URL("./test/cli/node-util.ts", import.meta.url).href) },
    ],
  },
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**"],
    testTimeout: 30_000,
  },
});
