// The part of jstat (a kept statistics library, 2M downloads a month) versus uses.
declare module 'jstat' {
  interface Continuous {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  export const jStat: {
    studentt: Continuous;
    normal: Continuous;
    noncentralt: { cdf(x: number, dof: number, ncp: number): number };
    binomial: { cdf(k: number, n: number, p: number): number };
  };
}
