/** Where a spinner draws: a stream that may be a terminal. */
export interface SpinnerStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Spinner {
  /** Changes the text beside the spinner (shown from the next frame). */
  update(text: string): void;
  /** Clears the line; safe to call more than once. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

/**
 * A one-line spinner on stderr for a wait, drawn only on a terminal and only once the wait has lasted
 * `delayMs` (a quick answer shows nothing). A handful of lines rather than a dependency: it is all
 * the CLI needs, and nothing extra loads on the commands that wait.
 */
export function startSpinner(stream: SpinnerStream, text: string, options: { delayMs?: number } = {}): Spinner {
  if (!stream.isTTY) return { update() {}, stop() {} };
  let current = text;
  let frame = 0;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    drawn = true;
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`);
  };
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, FRAME_MS);
    timer.unref();
  }, options.delayMs ?? 300);
  delay.unref();
  return {
    update(next) {
      current = next;
    },
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      timer = undefined;
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
