// The drift canary's fixed work, run in a process of its own (`node -e`, pinned by the
// caller): an xorshift walk over a 256 KiB table, timed in rounds after one warm-up; it
// prints the speed over all rounds (steps ÷ time: the host's average speed over about
// 0.25 s) in million steps a second. Self-contained: its source is what runs, so it may
// use nothing from outside its body.
export function canaryKernel(): void {
  const STEPS = 1_500_000;
  const ROUNDS = 8;
  const table = new Float64Array(32_768);
  let sink = 0;
  const round = (seed: number): number => {
    let x = seed | 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < STEPS; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const j = x & 32_767;
      table[j] = (table[j] as number) + i;
      sink += table[(j * 7) & 32_767] as number;
    }
    return Number(process.hrtime.bigint() - t0);
  };
  round(1);
  const ns = Array.from({ length: ROUNDS }, (_, i) => round(i + 2)).reduce((a, b) => a + b, 0);
  // the sink is printed so the loop cannot be optimised away
  process.stdout.write(`${JSON.stringify({ mstepsPerS: ((STEPS * ROUNDS) / ns) * 1e3, sink: sink > 0 })}\n`);
}
