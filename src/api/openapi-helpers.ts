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

const errorContent = { content: { "application/json": { schema: ErrorResponseSchema } } };

/** The error responses a read route can give. */
export const readErrors = {
  400: { ...errorContent, description: DESCRIPTIONS[400]! },
  500: { ...errorContent, description: DESCRIPTIONS[500]! },
} as const;

export const notFoundError = { 404: { ...errorContent, description: DESCRIPTIONS[404]! } } as const;

export const adminErrors = {
  401: { ...errorContent, description: DESCRIPTIONS[401]! },
  503: { ...errorContent, description: "Admin disabled: SSMD_ADMIN_TOKEN is not configured" },
} as const;

export const conflictError = { 409: { ...errorContent, description: DESCRIPTIONS[409]! } } as const;
