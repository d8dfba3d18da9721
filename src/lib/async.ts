/** Concurrency helpers. Pure; imports nothing from other src folders. */

/**
 * Runs `fn` over `items` with at most `limit` in flight (at least one), each worker taking the next
 * item as soon as its previous one is done (no chunk waits for its slowest item). `stop()` is asked
 * before each item is taken: once it returns true no further item starts.
 */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop?: () => boolean,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop?.()) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
