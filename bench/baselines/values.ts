/** The value sizes every case is measured at: 100 B and 64 KiB. */
export const VALUE_SIZES = { small: 100, large: 64 * 1024 } as const;

export type ValueSize = keyof typeof VALUE_SIZES;

/** The bytes every baseline answers for a size: the same as the benchmark writes to geocache. */
export function valueOf(size: ValueSize): ArrayBuffer {
  return new Uint8Array(VALUE_SIZES[size]).fill(0x61).buffer;
}

/** The size named by a request path's last segment, `small` unless it says `large`. */
export function sizeOf(name: string | undefined): ValueSize {
  return name === "large" ? "large" : "small";
}
