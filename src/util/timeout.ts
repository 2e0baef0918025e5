/** Rejects with makeError() when p has not settled within ms; the timer never outlives p. */
export function withTimeout<T>(p: Promise<T>, ms: number, makeError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(makeError()), ms);
    }),
  ]);
}
