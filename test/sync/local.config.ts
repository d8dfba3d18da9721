// TEMPORARY: vitest config for test/sync with the real simulator (see local-setup.ts).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const simOrigin = inject<string>("simOrigin");
      return {
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
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
  test: {
    globalSetup: ["./test/sync/local-setup.ts"],
    include: ["test/sync/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
