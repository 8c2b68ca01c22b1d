// Secrets the component registered, and their masking in everything the host prints or returns.
// Mirrors `host-harness/src/masking.rs`.

import { inspect } from 'node:util';

/** The replacement of a secret in printed text. */
export const MASK = '***';

/** The secrets of one run. Printing or serialising it shows how many there are, never what. */
export class Secrets {
  // Longest first, so that a secret containing another is masked whole.
  #values = [];

  /** Registers a secret. Empty values are ignored (they would mask nothing and everything). */
  register(value) {
    if (typeof value !== 'string' || value === '' || this.#values.includes(value)) return;
    const at = this.#values.findIndex((v) => v.length < value.length);
    this.#values.splice(at === -1 ? this.#values.length : at, 0, value);
  }

  /** How many secrets are registered. */
  get size() {
    return this.#values.length;
  }

  /** The registered values, for embedders that must announce them (e.g. a CI's mask command). */
  values() {
    return [...this.#values];
  }

  /** `text` with every registered secret replaced by `***`. */
  mask(text) {
    let masked = String(text);
    for (const secret of this.#values) masked = masked.split(secret).join(MASK);
    return masked;
  }

  /** Like `mask` for bytes that may not be UTF-8: secrets are replaced byte for byte. */
  maskBytes(bytes) {
    let masked = Buffer.from(bytes);
    const mask = Buffer.from(MASK);
    for (const secret of this.#values) {
      const needle = Buffer.from(secret);
      const parts = [];
      let from = 0;
      for (let at = masked.indexOf(needle, from); at !== -1; at = masked.indexOf(needle, from)) {
        parts.push(masked.subarray(from, at), mask);
        from = at + needle.length;
      }
      if (parts.length > 0) masked = Buffer.concat([...parts, masked.subarray(from)]);
    }
    return new Uint8Array(masked.buffer, masked.byteOffset, masked.byteLength);
  }

  toJSON() {
    return { registered: this.#values.length };
  }

  [inspect.custom]() {
    return `Secrets(${this.#values.length} registered)`;
  }
}
