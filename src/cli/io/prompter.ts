import { CancelledError } from '../../errors.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** Asks the user for missing input. Only used when stdin and stdout are TTYs; tests pass a stub. */
export interface Prompter {
  /** `validate` runs as the answer is submitted: a message re-asks (it may look in the store, hence async). */
  input(
    message: string,
    options?: { default?: string; validate?: (value: string) => true | string | Promise<true | string> },
  ): Promise<string>;
  select<T>(message: string, choices: Choice<T>[]): Promise<T>;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  /** Hidden input, for secrets. */
  password(message: string): Promise<string>;
}

/** @inquirer/prompts behind the Prompter interface, loaded only when a prompt is actually shown. */
export function inquirerPrompter(): Prompter {
  const load = () => import('@inquirer/prompts');
  return {
    input: (message, options) => cancellable(load().then((p) => p.input({ message, ...options }))),
    select: (message, choices) => cancellable(load().then((p) => p.select({ message, choices }))),
    confirm: (message, defaultValue = false) =>
      cancellable(load().then((p) => p.confirm({ message, default: defaultValue }))),
    password: (message) => cancellable(load().then((p) => p.password({ message, mask: '*' }))),
  };
}

/** Ctrl-C at a prompt rejects with ExitPromptError; it becomes a cancellation (exit 130). */
async function cancellable<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') {
      throw new CancelledError();
    }
    throw error;
  }
}
