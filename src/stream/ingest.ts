// PLACEHOLDER — replaced by the streaming implementation (issue 6).
import { DurableObject } from "cloudflare:workers";
export class IngestObject extends DurableObject<Env> {}
