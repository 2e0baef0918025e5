// Student's t distribution and Welch's test, for change points that need a p-value
// without random permutations (deterministic). Pure.

/** ln Γ(x), Lanczos approximation (g = 7, 9 terms): ~1e-15 relative for x > 0. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function betaIncomplete(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| >= |t|) for Student's t with df degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  return betaIncomplete(df / (df + t * t), df / 2, 0.5);
}

export interface Welch {
  t: number;
  df: number;
  /** two-sided */
  p: number;
  /** mean(b) - mean(a) */
  diff: number;
  /** standard error of the difference */
  se: number;
}

/** Welch's unequal-variance t-test of b against a. Needs 2 or more values a side. */
export function welch(a: readonly number[], b: readonly number[]): Welch {
  const stats = (xs: readonly number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
    return { m, v, n: xs.length };
  };
  const A = stats(a);
  const B = stats(b);
  const va = A.v / A.n;
  const vb = B.v / B.n;
  const se = Math.sqrt(va + vb);
  const diff = B.m - A.m;
  if (se === 0)
    return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: A.n + B.n - 2, p: diff === 0 ? 1 : 0, diff, se };
  const df = (va + vb) ** 2 / (va ** 2 / (A.n - 1) + vb ** 2 / (B.n - 1));
  const t = diff / se;
  return { t, df, p: tTwoSided(t, df), diff, se };
}

/** The 1 - alpha/2 quantile of Student's t (bisection on the CDF), for intervals. */
export function tQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSided(mid, df) / 2 > 1 - p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Student's two-sample t-test with pooled variance (one noise level on both sides). */
export function pooledT(a: readonly number[], b: readonly number[]): Welch {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  const ss = a.reduce((s, x) => s + (x - ma) ** 2, 0) + b.reduce((s, x) => s + (x - mb) ** 2, 0);
  const df = a.length + b.length - 2;
  const se = Math.sqrt((ss / df) * (1 / a.length + 1 / b.length));
  const diff = mb - ma;
  if (se === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df, p: diff === 0 ? 1 : 0, diff, se };
  const t = diff / se;
  return { t, df, p: tTwoSided(t, df), diff, se };
}
