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
