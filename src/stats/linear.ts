// Least-squares line through (x, y) points, with the 95% interval of its slope. Pure.
import { tQuantile975 } from './tests.js';

export interface LinearFit {
  slope: number;
  intercept: number;
  /** half-width of the slope's 95% interval (Student t, n − 2 df); null with fewer than 3 points */
  slopeCi95: number | null;
  n: number;
}

export function linearFit(points: readonly (readonly [number, number])[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  const intercept = my - slope * mx;
  if (n < 3) return { slope, intercept, slopeCi95: null, n };
  const sse = points.reduce((a, [x, y]) => a + (y - intercept - slope * x) ** 2, 0);
  const se = Math.sqrt(sse / (n - 2) / sxx);
  return { slope, intercept, slopeCi95: tQuantile975(n - 2) * se, n };
}
