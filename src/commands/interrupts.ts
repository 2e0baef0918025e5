// How a command ends: one exit-code table for every command, and the interrupt handling
// `run` and `sweep` share — the first SIGINT or SIGTERM stops the experiment (its runs torn
// down, what was written kept), a second one exits at once.

/** versus's exit codes. */
export const EXIT = {
  ok: 0,
  /** a run failed (its results stay), a doctor check failed, a gate (compare, history check) found a regression */
  failed: 1,
  /** bad input: a flag, a config, a file; nothing was started */
  usage: 2,
  /** stopped by SIGINT (Ctrl-C): 128 + 2, as a shell reports it */
  interrupted: 130,
  /** stopped by SIGTERM: 128 + 15 */
  terminated: 143,
} as const;

/** The exit code of a process stopped by this signal. */
export function exitCodeOf(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export interface Interrupts {
  signal: AbortSignal;
  /** the first signal received, or null */
  received(): NodeJS.Signals | null;
  /** stops listening */
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM: the first aborts `signal` (saying `stopping`), a second exits now. */
export function listenForInterrupts(log: (m: string) => void, stopping: string): Interrupts {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) {
      log('versus: second interrupt, exiting now (run `versus clean` for leftovers)');
      process.exit(exitCodeOf(sig));
    }
    received = sig;
    log(`versus: ${sig}: ${stopping} (again to force)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Runs an experiment with interrupts listened for: its outcome, and the signal that stopped
 * it if one did. Interrupted before it could produce one (an image build, engine checks), the
 * outcome is null and the reason is said; any other failure is thrown.
 */
export async function interruptible<T>(
  log: (m: string) => void,
  stopping: string,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<{ outcome: T | null; received: NodeJS.Signals | null }> {
  const interrupts = listenForInterrupts(log, stopping);
  try {
    return { outcome: await body(interrupts.signal), received: interrupts.received() };
  } catch (err) {
    const received = interrupts.received();
    if (!received) throw err;
    log(`versus: interrupted (${(err as Error).message})`);
    return { outcome: null, received };
  } finally {
    interrupts.dispose();
  }
}
