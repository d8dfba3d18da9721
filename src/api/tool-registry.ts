/** Every agent tool ssmd exposes (GET /tools, POST /tools/{name}, POST /mcp). */
import { eventTools } from "./events";
import { feeTools } from "./fees";
import { historyTools } from "./history";
import { marketTools } from "./markets";
import { screenTools } from "./screen";
import { seriesTools } from "./series";
import { tickerTools } from "./tickers";
import type { ToolDefinition } from "./tools";

export const TOOLS: readonly ToolDefinition[] = [
  ...marketTools,
  ...eventTools,
  ...seriesTools,
  ...feeTools,
  ...tickerTools,
  ...historyTools,
  ...screenTools,
];
