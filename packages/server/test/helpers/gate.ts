import type { FakeHandler, FakeUpstream } from './fake-upstream.js';

/** A promise the test settles by hand: a fake upstream awaits it to keep requests in flight. */
export interface Gate {
  /** Resolves once {@link Gate.open} is called. */
  opened: Promise<void>;
  open(): void;
}

/** A closed {@link Gate}. */
export function createGate(): Gate {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open: () => open() };
}

/** A gate that opens by itself once `tick()` has been called `count` times. */
export interface Countdown {
  tick(): void;
  /** Resolves at the `count`-th tick. */
  reached: Promise<void>;
}

/** A {@link Countdown} of `count` ticks: "every request has arrived" without polling. */
export function countdown(count: number): Countdown {
  const gate = createGate();
  let seen = 0;
  return {
    tick() {
      seen += 1;
      if (seen === count) gate.open();
    },
    reached: gate.opened,
  };
}

/**
 * Holds every chat request at `upstream` until `total` requests are decided — each one reaching
 * the upstream (admitted) or refused by the gateway (the test calls the returned function) — and
 * then answers with `handler`. With every admitted request in flight at once, the holds alone
 * decide which requests fit a limit, as under real concurrent load.
 */
export function holdUntilAllDecided(
  upstream: FakeUpstream,
  total: number,
  handler: FakeHandler,
): () => void {
  const decided = countdown(total);
  upstream.route('/v1/chat/completions', async (request) => {
    decided.tick();
    await decided.reached;
    return typeof handler === 'function' ? handler(request) : handler;
  });
  return decided.tick;
}
