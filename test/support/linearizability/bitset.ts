/**
 * A fixed-size set of small integers: which operations of a partition are
 * linearized so far. Its `key()` names its contents for memoization.
 *
 * @example
 * const set = new Bitset(40);
 * set.add(3);
 * set.add(35);
 * set.key(); // "8,8"
 * set.delete(35);
 * set.has(35); // false
 */
export class Bitset {
  private readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  has(i: number): boolean {
    return ((this.words[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  delete(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }

  /** Equal for two sets of the same size exactly when they hold the same members. */
  key(): string {
    return this.words.join(",");
  }
}
