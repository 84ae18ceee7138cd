/**
 * A set of string ids that stores only a 53-bit hash per id (8 bytes a slot, open addressing), so checking a
 * million prompt_ids for duplicates costs megabytes, not the ids themselves. A hit is only a *suspected*
 * duplicate: callers confirm it against the data (hash collisions are possible, if astronomically rare).
 */

/** cyrb53: a fast 53-bit string hash (public domain, by bryc). Never 0 here: 0 marks an empty slot. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

/** `hash53` of an ASCII string given as its bytes [start, end) (the same number, without making the string). */
export function hash53Bytes(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

export class HashedIdSet {
  private table = new Float64Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the id; returns false when an id with the same hash was already there (a suspected duplicate). */
  add(id: string): boolean {
    return this.addHash(hash53(id));
  }

  /** `add` of an id given as its `hash53` (from `hash53` or `hash53Bytes`). */
  addHash(hash: number): boolean {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    return this.insert(hash);
  }

  private insert(hash: number): boolean {
    const mask = this.table.length - 1;
    let slot = hash % this.table.length & mask;
    for (;;) {
      const value = this.table[slot];
      if (value === 0) {
        this.table[slot] = hash;
        this.count++;
        return true;
      }
      if (value === hash) return false;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.insert(old[i]);
  }
}
