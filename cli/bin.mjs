#!/usr/bin/env node
// `ssmd` bin: loads the TypeScript CLI through tsx's ESM loader (no build step).
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
