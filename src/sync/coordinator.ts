// PLACEHOLDER — replaced by the sync implementation (issue 4).
import { DurableObject } from "cloudflare:workers";
export class SyncCoordinator extends DurableObject<Env> {}
