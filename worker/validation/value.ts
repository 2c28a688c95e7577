import { ApiError } from "../errors";
import { settingsFor } from "../settings";
import { requestValidator } from "./request-validator";

/** The longest `Content-Type` stored with a value. */
export const MAX_CONTENT_TYPE_LENGTH = 256;

/** How much of an oversized body is read and dropped so that the 413 reaches the client intact. */
const DRAIN_LIMIT_BYTES = 8 * 1_048_576;

export interface ValueInput {
  bytes: ArrayBuffer;
  contentType: string;
}

function tooLarge(size: string, limit: number): ApiError {
  return new ApiError(413, "value_too_large", `the value is ${size} bytes; the limit is ${limit}`);
}

/**
 * Reads a request body of at most `limit` bytes. The declared
 * `Content-Length` is checked before anything is read, and the count again
 * while reading (a chunked body declares none). An oversized body of up to
 * {@link DRAIN_LIMIT_BYTES} is drained rather than cancelled or left unread:
 * either drops the connection while the client may still be sending, and a
 * client whose write fails that way reports the failed write, not the 413.
 */
export async function readBodyWithin(request: Request, limit: number): Promise<ArrayBuffer> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) throw new ApiError(400, "invalid_header", "Content-Length is not a number");
    const size = Number(declared);
    if (size > limit) {
      // Past the drain limit the connection is dropped anyway: reading the first 8 MiB of it would gain nothing.
      if (request.body && size <= DRAIN_LIMIT_BYTES) await drain(request.body.getReader(), 0);
      throw tooLarge(declared.trim(), limit);
    }
  }
  if (!request.body) return new ArrayBuffer(0);
  if (declared !== null) {
    // Over HTTP a declared length frames the body, so it is read whole; the count guards a body handed over in-process.
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > limit) throw tooLarge(String(bytes.byteLength), limit);
    return bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drain(reader, size);
      throw tooLarge(`more than ${limit}`, limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): Promise<void> {
  let size = alreadyRead;
  while (size <= DRAIN_LIMIT_BYTES) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
  }
  await reader.cancel();
}

/**
 * Validates a value to store: its bytes within `MAX_VALUE_BYTES` and its
 * `Content-Type` (default `application/octet-stream`).
 */
export const valueBody = requestValidator("header", async (c): Promise<ValueInput> => {
  const contentType = c.req.header("Content-Type")?.trim() || "application/octet-stream";
  if (contentType.length > MAX_CONTENT_TYPE_LENGTH) {
    throw new ApiError(400, "invalid_header", `Content-Type is longer than ${MAX_CONTENT_TYPE_LENGTH} characters`);
  }
  const bytes = await readBodyWithin(c.req.raw, settingsFor(c.env).maxValueBytes);
  return { bytes, contentType };
});
