// How the text formats write numbers: signed percentages of a fraction, short decimals.
export const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
export const num = (x: number) => (Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toFixed(3));
export const interval = (ci: readonly [number, number]) => `[${pct(ci[0])}, ${pct(ci[1])}]`;
