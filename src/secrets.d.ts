// Secrets and optional settings not declared in wrangler.toml's [vars] (wrangler types cannot see them).
// Set with `wrangler secret put NAME`, or in .dev.vars for local dev.
interface Env {
  /** Bearer token for /admin/*. Without it the admin routes refuse every request. */
  SSMD_ADMIN_TOKEN?: string;
  /** Kalshi API key id; with KALSHI_PRIVATE_KEY enables RSA-PSS request signing. */
  KALSHI_API_KEY_ID?: string;
  /** PKCS#8 PEM RSA private key for Kalshi request signing. */
  KALSHI_PRIVATE_KEY?: string;
  /** "off": the public routes are not rate limited (the tests, the load benches); otherwise READ_LIMITER applies. */
  READ_RATE_LIMIT?: string;
}
