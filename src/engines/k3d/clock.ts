/**
 * The clocks a k3d run reads: the wall clock for live runs, a virtual one for dry runs, and sleeps
 * that end early once the run's AbortSignal fires (or the caller's own signal, for waits that a
 * phase end cancels).
 */

export interface Clock {
  /** Milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects early with the signal's reason once `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface LiveClock {
  now(): number;
}

function wallSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const wallClock: Clock = { now: () => Date.now(), sleep: wallSleep };

/** A clock that only moves when slept on: the dry run's, so a run's waits cost nothing. */
export function virtualClock(): Clock {
  let now = 0;
  return { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
}

/**
 * Sleeps on `clock` (the wall clock by default) that end early, rejecting with the signal's reason,
 * once `run` is aborted — or once the sleep's own signal is (the wall clock's timer is cleared then).
 */
export function interruptible(clock: Clock | undefined, run: AbortSignal | undefined): Clock {
  const base = clock ?? wallClock;
  if (!run) return base;
  const sleep = (ms: number, own?: AbortSignal) => {
    const signal = own ? AbortSignal.any([run, own]) : run;
    if (!clock) return wallSleep(ms, signal);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void base.sleep(ms).then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  };
  return { now: () => base.now(), sleep };
}

/**
 * A promise awaited later (with Promise.all): marked as handled now, so that a failure or an
 * interruption before that point is not an unhandled rejection; awaiting it still throws.
 */
export function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
