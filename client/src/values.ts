import { GeoCacheError } from "./errors";
import type { RequestBody } from "./requester";

/** Keeps a leading byte-order mark, which is part of the value (the default decoder drops it). */
const UTF8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * How a read hands back a value: a string, parsed JSON, bytes, or an unread stream.
 *
 * @example const hit = await cache.get("photo", { type: "bytes" });
 */
export type ValueType = "text" | "json" | "bytes" | "stream";

/**
 * What `set` stores: text, bytes, a Blob, a stream, or anything else as JSON.
 *
 * @example await cache.set("user:1", { name: "Ada" }); // stored as application/json
 */
export type StorableValue =
  | string
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | ReadableStream<Uint8Array>
  | number
  | boolean
  | null
  | readonly unknown[]
  | { readonly [key: string]: unknown };

const TEXT = "text/plain; charset=utf-8";
const BYTES = "application/octet-stream";
const JSON_TYPE = "application/json";

/**
 * The body and `Content-Type` a value is stored with: a string as UTF-8
 * text, bytes and streams as octet-stream, a Blob with its own type, and
 * anything else as JSON. `contentType` overrides the type chosen.
 *
 * @example encodeValue({ a: 1 }) // { body: '{"a":1}', contentType: "application/json" }
 */
export function encodeValue(value: StorableValue, contentType?: string): { body: RequestBody; contentType: string } {
  const encoded = encodeBody(value);
  return { body: encoded.body, contentType: contentType ?? encoded.contentType };
}

function encodeBody(value: StorableValue): { body: RequestBody; contentType: string } {
  if (typeof value === "string") return { body: value, contentType: TEXT };
  if (value instanceof Uint8Array) return { body: value, contentType: BYTES };
  if (value instanceof ArrayBuffer) return { body: new Uint8Array(value), contentType: BYTES };
  if (ArrayBuffer.isView(value)) {
    return { body: new Uint8Array(value.buffer, value.byteOffset, value.byteLength), contentType: BYTES };
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) return { body: value, contentType: value.type || BYTES };
  if (typeof ReadableStream !== "undefined" && value instanceof ReadableStream) return { body: value, contentType: BYTES };
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be stored: pass a string, bytes, a stream or JSON`);
  return { body: json, contentType: JSON_TYPE };
}

/**
 * The type a value is read as when the caller names none: JSON for
 * `application/json` and `+json` types, text for `text/*`, else bytes.
 *
 * @example inferType("text/plain; charset=utf-8") // "text"
 */
export function inferType(contentType: string): Exclude<ValueType, "stream"> {
  const mime = contentType.split(";")[0]!.trim().toLowerCase();
  if (mime === JSON_TYPE || mime.endsWith("+json")) return "json";
  if (mime.startsWith("text/")) return "text";
  return "bytes";
}

/**
 * Turns a stored value's bytes into the type asked for (or the one its
 * `Content-Type` implies).
 *
 * @example decodeBytes(new TextEncoder().encode('{"a":1}'), "application/json") // { a: 1 }
 */
export function decodeBytes(bytes: Uint8Array, contentType: string, type?: ValueType): unknown {
  switch (type ?? inferType(contentType)) {
    case "bytes":
      return bytes;
    case "stream":
      return new Response(bytes as unknown as BodyInit).body;
    case "text":
      return UTF8.decode(bytes);
    case "json":
      try {
        return JSON.parse(UTF8.decode(bytes));
      } catch (error) {
        throw new GeoCacheError(`the value is not JSON (Content-Type ${contentType})`, { code: "invalid_json", cause: error });
      }
  }
}

/**
 * The bytes of a base64 string (how `mget` carries values).
 *
 * @example base64Bytes("aGk=") // Uint8Array [104, 105]
 */
export function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
