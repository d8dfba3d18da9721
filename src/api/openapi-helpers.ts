/** OpenAPI response declarations shared by the routes. */
import { ErrorResponseSchema } from "./errors";
import type { z } from "@hono/zod-openapi";

const DESCRIPTIONS: Record<number, string> = {
  304: "Not modified (If-None-Match matched the ETag)",
  400: "Invalid parameter (the error names it)",
  401: "Missing or wrong bearer token",
  404: "Not found",
  409: "Conflict",
  500: "Unexpected error (logged with the request id)",
  503: "Unavailable",
};

export function jsonContent<S extends z.ZodType>(schema: S, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** An error response with an example of the body (what the API answers in that case). */
function errorContent(code: string, message: string, details: unknown = null) {
  return {
    content: {
      "application/json": {
        schema: ErrorResponseSchema,
        example: { error: { code, message, details, request_id: "5f0c6f0e-8a5e-4c1e-9d63-3b0c2f0f7a11" } },
      },
    },
  };
}

/** The error responses a read route can give. */
export const readErrors = {
  400: {
    ...errorContent("invalid_parameter", "invalid parameter 'limit': must be between 1 and 1000", [
      { parameter: "limit", issue: "too_big", message: "must be between 1 and 1000" },
    ]),
    description: DESCRIPTIONS[400]!,
  },
  500: {
    ...errorContent("internal", "internal error; quote the request id when reporting it"),
    description: DESCRIPTIONS[500]!,
  },
} as const;

export const notFoundError = {
  404: { ...errorContent("not_found", "market 'KXNOPE-1' not found"), description: DESCRIPTIONS[404]! },
} as const;

export const adminErrors = {
  401: {
    ...errorContent("unauthorized", "missing bearer token: send 'Authorization: Bearer <SSMD_ADMIN_TOKEN>'"),
    description: DESCRIPTIONS[401]!,
  },
  503: {
    ...errorContent("unavailable", "admin routes are disabled: SSMD_ADMIN_TOKEN is not configured on the server"),
    description: "Admin disabled: SSMD_ADMIN_TOKEN is not configured",
  },
} as const;

export const conflictError = {
  409: {
    ...errorContent("conflict", "a full sync (0b6c2c1e-3f0a-4c7e-9f3e-1d2a3b4c5d6e) is running; retry when it ends", {
      run: { run_id: "0b6c2c1e-3f0a-4c7e-9f3e-1d2a3b4c5d6e", mode: "full" },
    }),
    description: DESCRIPTIONS[409]!,
  },
} as const;
