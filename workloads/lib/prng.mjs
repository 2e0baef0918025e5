// xoshiro128** seeded through splitmix32: 32-bit integer operations only, so the
// same seed gives the same stream on every JavaScript engine and machine.

function splitmix32(state) {
  let z = (state + 0x9e3779b9) | 0;
  const next = z;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Prng {
  constructor(seed) {
    let s = seed >>> 0;
    const st = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const [ns, out] = splitmix32(s);
      s = ns;
      st[i] = out;
    }
    if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
    this.a = st[0] | 0;
    this.b = st[1] | 0;
    this.c = st[2] | 0;
    this.d = st[3] | 0;
  }

  /** Next unsigned 32-bit integer. */
  nextU32() {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat() {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) for n <= 2^32, without modulo bias. */
  nextBelow(n) {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher-Yates permutation of 0..n-1. */
export function permutation(n, prng) {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = prng.nextBelow(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
