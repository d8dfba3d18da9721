// PLACEHOLDER — replaced by the API implementation (issue 5).
import { Hono } from "hono";
export const app = new Hono<{ Bindings: Env }>();
