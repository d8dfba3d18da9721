/**
 * The API's one error shape, `{"error":{"code","message","details"}}`, and the glue that turns
 * validation failures, HTTP exceptions and unexpected throws into it. Nothing internal (stack,
 * SQL, binding names) ever reaches a client: unexpected errors are logged with the request id.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "../lib/log";

export const ErrorCodeSchema = z.enum([
  "invalid_parameter",
  "invalid_body",
  "not_found",
  "unknown_tool",
  "unauthorized",
  "admin_disabled",
  "forbidden_origin",
  "conflict",
  "unsupported_fee_type",
  "method_not_allowed",
  "rate_limited",
  "payload_too_large",
  "uri_too_long",
  "upgrade_required",
  "too_many_subscribers",
  "unavailable",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorDetailSchema = z
  .object({
    parameter: z.string().openapi({ description: "Name of the offending parameter or body field" }),
    issue: z.string(),
    message: z.string(),
  })
  .openapi("ErrorDetail");
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.unknown().openapi({ description: "Structured context: offending parameters, known values, …" }),
      request_id: z.string().optional(),
    }),
  })
  .openapi("Error");
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** Thrown by handlers; rendered by `onError`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function notFound(what: string, id: string, details: unknown = null): ApiError {
  return new ApiError(404, "not_found", `${what} '${id}' not found`, details);
}

/** A 400 for one named parameter (for checks zod cannot express, e.g. a malformed cursor). */
export function invalidParameter(parameter: string, message: string, issue = "invalid_value"): ApiError {
  return new ApiError(400, "invalid_parameter", `invalid parameter '${parameter}': ${message}`, [
    { parameter, issue, message },
  ]);
}

/** zod issues → one detail per offending parameter (unrecognized keys get one detail each). */
export function zodIssuesToDetails(error: z.ZodError): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const at = [...issue.path, key].map(String).join(".");
        details.push({ parameter: at, issue: "unknown_parameter", message: `unknown parameter '${at}'` });
      }
      continue;
    }
    const parameter = issue.path.map(String).join(".") || "(root)";
    details.push({ parameter, issue: issue.code, message: issue.message });
  }
  return details;
}

/** Validation failure of request part `target` (query, param, json) as an ApiError. */
export function validationError(error: z.ZodError, target: string): ApiError {
  return detailsError(zodIssuesToDetails(error), target);
}

/** A 400 from already-built details (first detail's message in the summary), as validationError words it. */
export function detailsError(details: ErrorDetail[], target: string): ApiError {
  const names = [...new Set(details.map((d) => d.parameter))];
  const kind = target === "json" ? "body field" : "parameter";
  const code = target === "json" ? "invalid_body" : "invalid_parameter";
  const first = details[0];
  // A batch can fail in thousands of places: the summary names the first few, `details` has them all.
  const MAX_NAMED = 10;
  const named =
    names
      .slice(0, MAX_NAMED)
      .map((n) => `'${n}'`)
      .join(", ") + (names.length > MAX_NAMED ? ` and ${names.length - MAX_NAMED} more` : "");
  const message =
    first && first.issue === "unknown_parameter"
      ? `unknown ${kind}${names.length > 1 ? "s" : ""} ${named}`
      : `invalid ${kind}${names.length > 1 ? "s" : ""} ${named}: ${first?.message ?? "invalid"}`;
  return new ApiError(400, code, message, details);
}

export function errorBody(code: ErrorCode, message: string, details: unknown, requestId?: string): ErrorResponse {
  return { error: { code, message, details: details ?? null, ...(requestId ? { request_id: requestId } : {}) } };
}

export function errorResponse(c: Context, err: ApiError): Response {
  const res = c.json(errorBody(err.code, err.message, err.details, requestIdOf(c)), err.status);
  for (const [k, v] of Object.entries(err.headers)) res.headers.set(k, v);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

function requestIdOf(c: Context): string | undefined {
  const id = (c.var as { requestId?: string }).requestId;
  return typeof id === "string" ? id : undefined;
}

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: "invalid_parameter",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  503: "unavailable",
};

/** app.onError: every throw ends as the error shape; unexpected ones are logged, never leaked. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const prepared = err.getResponse();
    // Middlewares that build their answer in our error shape (admin auth) are passed through.
    if ((prepared.headers.get("Content-Type") ?? "").includes("application/json")) {
      prepared.headers.set("Cache-Control", "no-store");
      return prepared;
    }
    const malformedJson = status === 400 && /json/i.test(err.message);
    const code = malformedJson
      ? "invalid_body"
      : (HTTP_CODES[status] ?? (status >= 500 ? "internal" : "invalid_parameter"));
    const message =
      status === 401
        ? "missing or invalid bearer token"
        : malformedJson
          ? "request body is not valid JSON"
          : err.message || "request refused";
    const res = errorResponse(c, new ApiError(status, code, message));
    const www = prepared.headers.get("WWW-Authenticate");
    if (www) res.headers.set("WWW-Authenticate", www);
    return res;
  }
  log("error", "unhandled error", {
    request_id: requestIdOf(c) ?? null,
    method: c.req.method,
    path: c.req.path,
    error: err?.name ?? "Error",
    message: err?.message ?? String(err),
    stack: err?.stack ?? null,
  });
  return errorResponse(c, new ApiError(500, "internal", "internal error; quote the request id when reporting it"));
}

/** `defaultHook` for OpenAPIHono: a failed zod validation answers 400 naming the parameter(s). */
export function validationHook(
  result: { target: string } & ({ success: true; data: unknown } | { success: false; error: z.ZodError }),
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  return errorResponse(c, validationError(result.error, result.target));
}
