// A microVM's kernel prints on its console from its first instant (it runs without `quiet`),
// so a console that stops growing long before SSH answers is a guest that stalled. Seen here
// under TCG with other guests busy beside it, about once in ten boots: QEMU up and the console
// empty, or the kernel stopped right after its TSC check against the PIT failed ("Marking TSC
// unstable"; the microvm machine has no HPET or ACPI PM timer to check against instead).
// Such a guest is restarted (at most twice, said in the log) instead of waiting out the boot
// timeout.

/** Seconds without a new console line before a booting guest counts as stalled, by accelerator. */
export function stallAfterS(accel: string): number {
  return accel === 'tcg' ? 15 : 8;
}

/** Calls onStall once if read() returns the same text for ms; returns the cancel. */
export function watchConsole(read: () => Promise<string>, ms: number, onStall: () => void): () => void {
  let last = '';
  let since = Date.now();
  const timer = setInterval(async () => {
    const now = await read().catch(() => last);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= ms) {
      clearInterval(timer);
      onStall();
    }
  }, 1000);
  return () => clearInterval(timer);
}
