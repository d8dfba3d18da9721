/**
 * gzip for cached answers: a cached body is compressed once when it is filled and served as is to
 * every client that accepts gzip, instead of being compressed again on every hit (by Cloudflare's
 * edge in production, by Miniflare's emulation of it locally). Web-standard streams only.
 */

/** Bodies smaller than this are cached uncompressed (gzip gains little; the edge may still compress). */
export const GZIP_MIN_BYTES = 1024;

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function gzip(body: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return collect(new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")));
}

export function gunzip(body: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return collect(new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip")));
}

/**
 * Whether an Accept-Encoding header (RFC 9110 §12.5.3) allows gzip: listed (or `x-gzip`) with a
 * non-zero weight, or covered by `*` with a non-zero weight and not refused by name.
 */
export function acceptsGzip(header: string | null | undefined): boolean {
  if (!header) return false;
  let star: boolean | undefined;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const allowed = Number.isFinite(weight) && weight > 0;
    const name = coding.trim();
    if (name === "gzip" || name === "x-gzip") return allowed;
    if (name === "*") star = allowed;
  }
  return star === true;
}
