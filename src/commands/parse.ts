// Option values as commander hands them over: each parser refuses a bad one naming its flag.
import { UsageError } from '../util/errors.js';

export function intList(flag: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n) || n <= 0)) {
      throw new UsageError(
        `${flag}: expected a comma-separated list of positive integers, got ${JSON.stringify(value)}`,
      );
    }
    return nums;
  };
}

export function number(flag: string, integer = true) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new UsageError(`${flag}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}
